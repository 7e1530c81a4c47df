/** Supported architectures in the order they are tried; first match wins. Adding one is one file + one line. */
import type { Architecture } from './architecture.js';
import { compact } from './compact.js';
import { dat } from './dat.js';
import { esrgan } from './esrgan.js';
import { hat } from './hat.js';
import { omnisr } from './omnisr.js';
import { realplksr } from './realplksr.js';
import { span } from './span.js';
import { swinir } from './swinir.js';

export const ARCHITECTURES: readonly Architecture[] = [esrgan, span, omnisr, realplksr, dat, hat, swinir, compact];
