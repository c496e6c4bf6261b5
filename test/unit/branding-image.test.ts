// The logo check (core/branding/image.ts): PNG, JPEG and WebP by their bytes
// with their sizes read from the headers; SVG, HTML under any name, damaged
// files, oversize files and oversize canvases refused with their reason.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkLogo, LOGO_MAX_BYTES, LogoRejectedError, type LogoRejection } from '../../core/branding/image.ts';
import { bombPng, solidPng, stripedPng } from '../support/png.ts';

function rejects(bytes: Buffer, reason: LogoRejection): void {
  assert.throws(() => checkLogo(bytes), (e: unknown) => e instanceof LogoRejectedError && e.reason === reason && e.message.length > 0);
}

/** A JPEG's structure (ITU T.81 §B.1.1): SOI, APP0, SOF0 with the size, SOS with a little scan, EOI. */
function jpeg(width: number, height: number, sof = 0xc0): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  const frame = Buffer.from([0xff, sof, 0x00, 0x0b, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x01, 0x01, 0x11, 0x00]);
  const sos = Buffer.from([0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x12, 0x34, 0x56]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, frame, sos, Buffer.from([0xff, 0xd9])]);
}

function riff(fourcc: string, payload: Buffer): Buffer {
  const chunk = Buffer.alloc(8);
  chunk.write(fourcc, 0, 'latin1');
  chunk.writeUInt32LE(payload.length, 4);
  const body = Buffer.concat([Buffer.from('WEBP', 'latin1'), chunk, payload, payload.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

function webpLossless(width: number, height: number): Buffer {
  const p = Buffer.alloc(10);
  p[0] = 0x2f;
  p.writeUInt32LE(((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14), 1);
  return riff('VP8L', p);
}

function webpLossy(width: number, height: number): Buffer {
  const p = Buffer.alloc(12);
  p.set([0x9d, 0x01, 0x2a], 3);
  p.writeUInt16LE(width, 6);
  p.writeUInt16LE(height, 8);
  return riff('VP8 ', p);
}

function webpExtended(width: number, height: number): Buffer {
  const p = Buffer.alloc(10);
  p.writeUIntLE(width - 1, 4, 3);
  p.writeUIntLE(height - 1, 7, 3);
  return riff('VP8X', p);
}

describe('logo check', () => {
  it('takes a PNG and reads its size from IHDR (RFC 2083 §4.1.1)', () => {
    assert.deepEqual(checkLogo(stripedPng(120, 40, [255, 0, 0], [0, 0, 255])), { type: 'image/png', width: 120, height: 40 });
  });
  it('takes a JPEG and reads its size from the frame header (T.81 §B.2.2), baseline and progressive', () => {
    assert.deepEqual(checkLogo(jpeg(300, 100)), { type: 'image/jpeg', width: 300, height: 100 });
    assert.deepEqual(checkLogo(jpeg(64, 32, 0xc2)), { type: 'image/jpeg', width: 64, height: 32 });
  });
  it('takes WebP lossy, lossless and extended (RFC 9649)', () => {
    assert.deepEqual(checkLogo(webpLossy(200, 50)), { type: 'image/webp', width: 200, height: 50 });
    assert.deepEqual(checkLogo(webpLossless(321, 77)), { type: 'image/webp', width: 321, height: 77 });
    assert.deepEqual(checkLogo(webpExtended(640, 480)), { type: 'image/webp', width: 640, height: 480 });
  });
  it('refuses SVG, plain or with an XML declaration or a byte-order mark', () => {
    rejects(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'svg');
    rejects(Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'), 'svg');
    rejects(Buffer.from('\uFEFF  <svg/>'), 'svg');
  });
  it('refuses HTML and text whatever they are called', () => {
    rejects(Buffer.from('<!doctype html><html><script>alert(1)</script></html>'), 'not_an_image');
    rejects(Buffer.from('GIF89a\x01\x00\x01\x00'), 'not_an_image');
    rejects(Buffer.alloc(0), 'empty');
  });
  it('refuses a PNG signature with HTML behind it, and truncated files', () => {
    rejects(Buffer.concat([solidPng(1, 1, [0, 0, 0]).subarray(0, 8), Buffer.from('<html><script>alert(1)</script></html>')]), 'malformed');
    const png = solidPng(10, 10, [1, 2, 3]);
    rejects(png.subarray(0, png.length - 5), 'malformed');
    const j = jpeg(10, 10);
    rejects(j.subarray(0, j.length - 2), 'malformed');
    rejects(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02]), Buffer.from([0xff, 0xd9])]), 'malformed'); // a scan before any frame
    const w = webpLossless(10, 10);
    rejects(w.subarray(0, w.length - 1), 'malformed');
  });
  it('refuses files over 256 KB and canvases over 2048 px a side or 2 megapixels', () => {
    const big = Buffer.concat([solidPng(1, 1, [0, 0, 0]).subarray(0, 8), Buffer.alloc(LOGO_MAX_BYTES)]);
    rejects(big, 'too_large');
    rejects(bombPng(50_000, 50_000), 'dimensions');
    rejects(bombPng(2049, 10), 'dimensions');
    rejects(bombPng(2048, 2048), 'dimensions'); // 4 Mpx
    assert.equal(checkLogo(bombPng(2048, 1024)).width, 2048);
    rejects(bombPng(0, 10), 'dimensions');
    rejects(jpeg(4000, 10), 'dimensions');
  });
  it('throws nothing but LogoRejectedError on random bytes behind an image signature; what it accepts is within the bounds', () => {
    const signatures = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from([0xff, 0xd8, 0xff]), Buffer.from('RIFF\x10\x00\x00\x00WEBP', 'latin1'), Buffer.alloc(0)];
    fc.assert(fc.property(fc.constantFrom(...signatures), fc.uint8Array({ maxLength: 600 }), (sig, tail) => {
      try {
        const info = checkLogo(Buffer.concat([sig, Buffer.from(tail)]));
        assert.ok(info.width >= 1 && info.height >= 1 && info.width * info.height <= 2048 * 1024);
      } catch (e) {
        assert.ok(e instanceof LogoRejectedError, String(e));
      }
    }), { numRuns: 3000, seed: 19 });
  });
});
