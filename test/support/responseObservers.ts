// A seam for test helpers that speak HTTP without fetch (rawHttp.ts send): each reports the
// responses it read, and openapiConformance.ts listens. No listener, no cost.
export interface ObservedRawResponse {
  method: string;
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

let listener: ((response: ObservedRawResponse) => void) | null = null;

export function onRawResponse(next: ((response: ObservedRawResponse) => void) | null): void {
  listener = next;
}

export function reportRawResponse(response: ObservedRawResponse): void {
  listener?.(response);
}
