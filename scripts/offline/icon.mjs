// The page's icon (the web app manifest's), drawn here as a PNG so that the repository
// holds no binary: a magnifying glass over three bars, white on the page's blue, on a
// rounded square. Shapes are signed distances, anti-aliased over one pixel.
//
//   import { iconPng } from './icon.mjs'; fs.writeFileSync('icon.png', iconPng(192));

import zlib from 'node:zlib';

const BLUE = [0x1d, 0x4f, 0x91];
const WHITE = [0xff, 0xff, 0xff];
const AMBER = [0xf5, 0xc2, 0x5b];

/** Distance from (x, y) to the segment (ax, ay)-(bx, by). */
function segment(x, y, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - ax - t * dx, y - ay - t * dy);
}

/** Signed distance to a rounded square filling the unit square (corner radius r). */
function roundedSquare(x, y, r) {
  const qx = Math.abs(x - 0.5) - (0.5 - r);
  const qy = Math.abs(y - 0.5) - (0.5 - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/** The colour (RGBA) of the pixel whose centre is (x, y), in units of the icon's side. */
function pixel(x, y, px) {
  // Coverage of a shape at signed distance d (units), one pixel wide edge.
  const cover = (d) => Math.max(0, Math.min(1, 0.5 - d / px));
  const background = cover(roundedSquare(x, y, 0.18));
  let rgb = BLUE;
  const mix = (colour, amount) => {
    rgb = rgb.map((c, i) => c + (colour[i] - c) * amount);
  };
  // Three bars inside the lens (a tiny chart), then the lens's ring and handle.
  const bars = [
    [0.33, 0.52],
    [0.42, 0.38],
    [0.51, 0.46],
  ];
  for (const [bx, top] of bars) {
    const d = Math.max(Math.abs(x - bx) - 0.03, Math.max(top - y, y - 0.56));
    mix(AMBER, cover(d));
  }
  const ring = Math.abs(Math.hypot(x - 0.42, y - 0.45) - 0.2) - 0.035;
  const handle = segment(x, y, 0.57, 0.6, 0.76, 0.79) - 0.05;
  mix(WHITE, cover(Math.min(ring, handle)));
  return [...rgb.map(Math.round), Math.round(background * 255)];
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG chunks use it. */
export function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** The icon as a `size`×`size` RGBA PNG. */
export function iconPng(size) {
  const rows = Buffer.alloc(size * (1 + size * 4));
  for (let y = 0; y < size; y++) {
    const row = y * (1 + size * 4);
    rows[row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const rgba = pixel((x + 0.5) / size, (y + 0.5) / size, 1 / size);
      rows.set(rgba, row + 1 + x * 4);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
