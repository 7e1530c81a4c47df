/** The single main→renderer event channel (kept apart so the preload bundle stays free of zod). */
export const EVENT_CHANNEL = 'run:progress';
