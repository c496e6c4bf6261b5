// The leaf parts of a raw MIME message as bytes, with their Content-Type and
// Content-ID (test/support/smtp.ts's mimeParts decodes text only; an inline
// image needs its exact bytes).
export interface MimeLeaf { contentType: string; contentId: string | null; body: Buffer }

export function mimeLeaves(raw: string): MimeLeaf[] {
  const boundaries = [...raw.matchAll(/boundary="?([^";\r\n]+)"?/gi)].map((m) => m[1]!);
  if (boundaries.length === 0) return [];
  const esc = (b: string) => b.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const chunks = raw.split(new RegExp(`\\r?\\n--(?:${boundaries.map(esc).join('|')})(?:--)?\\r?\\n`));
  const out: MimeLeaf[] = [];
  for (const chunk of chunks.slice(1)) {
    const split = chunk.search(/\r?\n\r?\n/);
    if (split < 0) continue;
    const headers = chunk.slice(0, split).replace(/\r?\n[ \t]/g, ' ');
    const contentType = /^Content-Type:\s*([^;\r\n]+)/im.exec(headers)?.[1]?.trim().toLowerCase() ?? '';
    if (contentType.startsWith('multipart/')) continue;
    const encoding = /^Content-Transfer-Encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase() ?? '7bit';
    const text = chunk.slice(split).replace(/^\r?\n\r?\n/, '');
    const body = encoding === 'base64' ? Buffer.from(text.replace(/\s+/g, ''), 'base64')
      : encoding === 'quoted-printable' ? Buffer.from(text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1')
        : Buffer.from(text, 'utf8');
    out.push({ contentType, contentId: /^Content-ID:\s*(\S+)/im.exec(headers)?.[1] ?? null, body });
  }
  return out;
}
