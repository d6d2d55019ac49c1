// The caller's key lives in sessionStorage: it survives a reload but not the tab, and is
// never written anywhere a later visitor of the machine would find it.
const storageKey = 'longrun.apiKey';

export function savedApiKey(): string | null {
  return sessionStorage.getItem(storageKey);
}

export function saveApiKey(key: string): void {
  sessionStorage.setItem(storageKey, key);
}

export function forgetApiKey(): void {
  sessionStorage.removeItem(storageKey);
}
