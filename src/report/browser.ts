/**
 * Headless Chromium for the report's PNGs, through puppeteer-core (which drives an installed
 * browser and never downloads one). The only module that imports puppeteer-core.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { InternalError, TidepoolError } from '../errors.js';

/** Where the report looks for Chromium when none is named. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
/** Executable names searched for on the PATH, in order. */
export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const;

/** How to find Chromium. */
export interface ChromiumSearch {
  /** An executable named by the user (`--chromium`, `TIDEPOOL_CHROMIUM`): used as is, or an error. */
  explicit?: string | undefined;
  /** PATH-style folder list searched for {@link CHROMIUM_NAMES}. @default '' */
  searchPath?: string | undefined;
}

const INSTALL_HINT = 'Install Chromium (Debian/Ubuntu: `apt-get install chromium`; Fedora: `dnf install chromium`; macOS: install Google Chrome), or name an executable with --chromium PATH or the TIDEPOOL_CHROMIUM environment variable.';

/**
 * The Chromium executable to use: the explicit one (which must exist), else {@link DEFAULT_CHROMIUM},
 * else the first of {@link CHROMIUM_NAMES} on the search path.
 * @throws TidepoolError `E_DEVICE_UNAVAILABLE` naming what was tried and what to install.
 */
export function findChromium(search: ChromiumSearch = {}): string {
  if (search.explicit !== undefined && search.explicit !== '') {
    if (isExecutable(search.explicit)) return search.explicit;
    throw new TidepoolError('E_DEVICE_UNAVAILABLE', `Chromium was named as ${search.explicit}, but that is not an executable file. ${INSTALL_HINT}`, { chromium: search.explicit });
  }
  if (isExecutable(DEFAULT_CHROMIUM)) return DEFAULT_CHROMIUM;
  const folders = (search.searchPath ?? '').split(delimiter).filter((folder) => folder !== '');
  for (const name of CHROMIUM_NAMES) {
    for (const folder of folders) {
      const candidate = join(folder, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  throw new TidepoolError('E_DEVICE_UNAVAILABLE', `PNG output needs Chromium, and none was found: not at ${DEFAULT_CHROMIUM}, and no ${CHROMIUM_NAMES.join(', ')} on the PATH. ${INSTALL_HINT}`, { tried: [DEFAULT_CHROMIUM, ...CHROMIUM_NAMES] });
}

function isExecutable(path: string): boolean {
  try {
    if (!existsSync(path) || !statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts headless Chromium. Chromium refuses its sandbox to root, and containers often lack the
 * kernel features it needs: then it runs without one (it only ever loads the report's own file).
 */
export async function launchChromium(executablePath: string): Promise<Browser> {
  const { default: puppeteer } = await import('puppeteer-core');
  const base = ['--disable-gpu', '--no-first-run', '--no-default-browser-check', '--disable-extensions', '--hide-scrollbars', '--font-render-hinting=none'];
  const launch = (args: string[]) => puppeteer.launch({ executablePath, headless: true, args, pipe: true, timeout: 60_000 });
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  try {
    return await launch(asRoot ? [...base, '--no-sandbox'] : base);
  } catch (error) {
    if (!asRoot && /sandbox/i.test((error as Error).message)) {
      try {
        return await launch([...base, '--no-sandbox']);
      } catch {
        // Report the first failure: it says why the sandboxed start failed.
      }
    }
    throw new TidepoolError('E_DEVICE_UNAVAILABLE', `cannot start Chromium (${executablePath}): ${(error as Error).message.split('\n')[0] ?? ''}. ${INSTALL_HINT}`, { chromium: executablePath }, { cause: error });
  }
}

/**
 * Opens a local HTML file with every other request blocked: the report is self-contained, so
 * anything else it asked for would be a bug. Returns the page and the URLs that were blocked.
 */
export async function openLocalPage(browser: Browser, htmlPath: string, viewport = { width: 1000, height: 800, deviceScaleFactor: 2 }): Promise<{ page: Page; blocked: string[] }> {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  const url = pathToFileURL(resolve(htmlPath)).href;
  const blocked: string[] = [];
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (request.url() === url) {
      void request.continue();
    } else {
      blocked.push(request.url());
      void request.abort('blockedbyclient');
    }
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, blocked };
}

/** Options of {@link writeFigurePngs}. */
export interface FigurePngRequest {
  /** The written report. */
  htmlPath: string;
  /** Folder for `fig-{id}.png`. */
  outDir: string;
  /** Ids of the figures to capture. */
  figureIds: readonly string[];
  executablePath: string;
}

/**
 * Writes each figure of the report as a PNG (2x pixel density), each file written to a temporary
 * name and renamed into place. Returns the paths written.
 */
export async function writeFigurePngs(request: FigurePngRequest): Promise<string[]> {
  await mkdir(request.outDir, { recursive: true });
  const browser = await launchChromium(request.executablePath);
  try {
    const { page, blocked } = await openLocalPage(browser, request.htmlPath);
    const written: string[] = [];
    for (const id of request.figureIds) {
      const element = await page.$(`figure[data-figure="${id.replace(/["\\]/g, '')}"]`);
      if (element === null) throw new InternalError(`the report has no figure "${id}" to capture`);
      const png = await element.screenshot({ type: 'png' });
      const path = join(request.outDir, `fig-${id}.png`);
      await writeFile(`${path}.partial`, png);
      await rename(`${path}.partial`, path).catch(async (error: unknown) => {
        await rm(`${path}.partial`, { force: true });
        throw error;
      });
      written.push(path);
    }
    if (blocked.length > 0) throw new InternalError(`the report asked for outside resources: ${blocked.join(', ')}`);
    return written;
  } finally {
    await browser.close();
  }
}
