// Links to a video's files. A <video src> or <img src> cannot send an Authorization header, so
// with authentication on the links are signed: `?expires=<unix s>&signature=<HMAC-SHA256>` over
// the video, the file and the expiry. Whoever holds a link may fetch that one file until it
// expires; nothing else. Expiries fall on whole multiples of the lifetime, so one video's links
// stay the same for a while (browsers cache them, every subscriber gets the same text) and are
// valid for one to two lifetimes.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type MediaAsset = 'content' | 'poster';

export interface MediaUrls {
  self: string;
  content: string;
  poster: string;
}

export interface MediaLinks {
  /** Whether links carry signatures (authentication is on). */
  readonly signed: boolean;
  urls(videoId: string): MediaUrls;
  /** Whether `expires` and `signature` (from a link's query) open `asset` of `videoId` now. */
  verify(videoId: string, asset: MediaAsset, expires: unknown, signature: unknown): boolean;
}

function paths(videoId: string): MediaUrls {
  const self = `/videos/${videoId}`;
  return { self, content: `${self}/content`, poster: `${self}/poster` };
}

/** Without authentication the media are served to anyone who can reach the server: plain paths. */
export const plainMediaLinks: MediaLinks = {
  signed: false,
  urls: paths,
  verify: () => false,
};

export class SignedMediaLinks implements MediaLinks {
  readonly signed = true;

  constructor(private readonly secret: Buffer, private readonly lifetimeSeconds: number, private readonly now: () => number = Date.now) {}

  urls(videoId: string): MediaUrls {
    const nowSeconds = Math.floor(this.now() / 1000);
    const expires = (Math.floor(nowSeconds / this.lifetimeSeconds) + 2) * this.lifetimeSeconds;
    const plain = paths(videoId);
    const query = (asset: MediaAsset) => `?expires=${expires}&signature=${this.sign(videoId, asset, expires)}`;
    return { self: plain.self, content: plain.content + query('content'), poster: plain.poster + query('poster') };
  }

  verify(videoId: string, asset: MediaAsset, expires: unknown, signature: unknown): boolean {
    if (typeof expires !== 'string' || typeof signature !== 'string' || !/^\d{1,12}$/.test(expires)) return false;
    const at = Number(expires);
    if (at <= this.now() / 1000) return false;
    const expected = Buffer.from(this.sign(videoId, asset, at));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private sign(videoId: string, asset: MediaAsset, expires: number): string {
    return createHmac('sha256', this.secret).update(`longrun-media-v1\n${videoId}\n${asset}\n${expires}`).digest('base64url');
  }
}
