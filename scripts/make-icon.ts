/** Draws build/icon.png (1024², the size electron-builder derives every platform's icon from). */
import sharp from 'sharp';

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1024" height="1024" viewBox="0 0 1024 1024">
  <rect x="64" y="64" width="896" height="896" rx="200" fill="#2f6fd1"/>
  <g fill="#ffffff">
    ${Array.from({ length: 4 }, (_, r) => Array.from({ length: 4 }, (_, c) => `<rect x="${180 + c * 70}" y="${540 + r * 70}" width="62" height="62" rx="8" opacity="${0.55 + 0.1 * ((r + c) % 4)}"/>`).join('')).join('')}
    <path d="M520 760 L840 440 L840 600 L900 600 L900 330 L630 330 L630 390 L790 390 L470 710 Z"/>
  </g>
</svg>`;
await sharp(Buffer.from(svg)).png().toFile(new URL('../build/icon.png', import.meta.url).pathname);
