// A datapoint's picture or text. Thumbnails fall back to the full image and then to
// nothing, so older servers (no /thumbnail) and broken files degrade quietly.
import { useState } from 'react';
import { displayableUri, imageUrl, thumbnailUrl } from '../api/media';

export interface MediaSource {
  id: string;
  hasImage?: boolean | null;
  text?: string | null;
  uri?: string | null;
}

function sources(source: MediaSource, full: boolean): string[] {
  const out: string[] = [];
  if (source.hasImage)
    out.push(...(full ? [imageUrl(source.id)] : [thumbnailUrl(source.id), imageUrl(source.id)]));
  const uri = displayableUri(source.uri);
  if (uri) out.push(uri);
  return out;
}

export function Thumb({ source, size = 40 }: { source: MediaSource; size?: number }) {
  const urls = sources(source, false);
  const [attempt, setAttempt] = useState(0);
  if (attempt < urls.length) {
    return (
      <img
        className="x-thumb"
        src={urls[attempt]}
        alt=""
        width={size}
        height={size}
        loading="lazy"
        onError={() => setAttempt(attempt + 1)}
      />
    );
  }
  if (source.text) {
    return (
      <span
        className="x-thumb x-thumb--text"
        style={{ width: size, height: size }}
        title={source.text}
      >
        Aa
      </span>
    );
  }
  return <span className="x-thumb x-thumb--empty" style={{ width: size, height: size }} />;
}

export function FullMedia({ source }: { source: MediaSource }) {
  const urls = sources(source, true);
  const [attempt, setAttempt] = useState(0);
  return (
    <>
      {attempt < urls.length && (
        <img
          className="x-media"
          src={urls[attempt]}
          alt={`datapoint ${source.id}`}
          onError={() => setAttempt(attempt + 1)}
        />
      )}
      {source.text && <blockquote className="x-text">{source.text}</blockquote>}
    </>
  );
}

/** The first characters of a text, on one line. */
export function snippet(text: string | null | undefined, length = 140): string {
  if (!text) return '';
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}
