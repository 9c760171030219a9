import { readFileSync } from 'node:fs';

export interface Asset {
  body: string;
  type: string;
}

const TYPES: Record<string, string> = {
  'styles.css': 'text/css; charset=utf-8',
  'install.js': 'text/javascript; charset=utf-8',
};

/** The pages' stylesheet and script, read from disk once (on the first router built). */
let cache: ReadonlyMap<string, Asset> | undefined;

export function pageAssets(): ReadonlyMap<string, Asset> {
  if (!cache) {
    cache = new Map(
      Object.entries(TYPES).map(([name, type]) => [
        name,
        { body: readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8'), type },
      ]),
    );
  }
  return cache;
}
