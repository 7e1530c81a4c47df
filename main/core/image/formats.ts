export const STORE_FORMATS = ['png', 'jpeg', 'webp', 'avif'] as const;
export type StoreFormat = (typeof STORE_FORMATS)[number];

export const INPUT_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.jpe', '.webp', '.tif', '.tiff', '.avif', '.gif'] as const;

export function isImagePath(path: string): boolean {
  const lower = path.toLowerCase();
  return INPUT_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

export function extensionFor(format: StoreFormat): string {
  return format === 'jpeg' ? '.jpg' : `.${format}`;
}

export function contentTypeFor(format: StoreFormat): string {
  return `image/${format}`;
}

/** The format a stored copy gets when the user asked for "the original's format". */
export function storeFormatFor(originalFormat: string): StoreFormat {
  return (STORE_FORMATS as readonly string[]).includes(originalFormat) ? (originalFormat as StoreFormat) : 'png';
}
