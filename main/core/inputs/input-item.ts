/** One image a run will process. */
export interface InputItem {
  /** 0-based position in the input, so results can be put back in input order. */
  index: number;
  /** As the user gave it (CSV cell) or as found (folder walk). */
  source: string;
  /** Absolute path on disk, or the object's s3:// address. */
  path: string;
  /** POSIX path relative to the input's root; it names the stored key and the output files. */
  rel: string;
  /** Set for a CSV row that repeats an earlier one. */
  duplicateOf?: number;
  /** An S3 object, read with GetObject instead of from disk. */
  s3?: { bucket: string; key: string };
  /** Its group for per-group answers (`--group-by`, or a CSV's `group` column); unset without grouping. */
  group?: string;
}
