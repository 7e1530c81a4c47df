/** The single main→renderer event channel (kept apart so the preload bundle stays free of zod). */
export const EVENT_CHANNEL = 'run:progress';

/** An s3://bucket/prefix input: a valid bucket name, then any key prefix without control characters (the app checks it as it is typed). */
export const S3_PREFIX = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\x00-\x1f]*)?$/;
