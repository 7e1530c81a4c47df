#!/usr/bin/env node
// Runs the compiled CLI; `npm ci` (prepare) builds dist/.
import('../dist/main/cli/index.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/main/cli')) {
    console.error('upscale-bench is not built yet: run `npm ci` (or `npm run build:node`) in the project folder.');
  } else {
    console.error(err);
  }
  process.exit(2);
});
