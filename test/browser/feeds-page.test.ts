import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { TEST_CONFIG } from '../helpers/articles';
import { attribute, findAll, parseHtml, textOf } from '../helpers/html';

// The feeds page as a person sees it: Debian's Chromium, headless, against the local stack.
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const run = promisify(execFile);
const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples', 'articles');

let stack: LocalStack;
let work: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium is not at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM)`);
  work = mkdtempSync(path.join(tmpdir(), 'feedgen-browser-'));
  stack = await startLocalStack({
    config: TEST_CONFIG,
    dataDirectory: path.join(work, 's3'),
    s3Port: 0,
    cdnPort: 0,
    accessKeyId: 'feedgen',
    secretAccessKey: 'feedgen',
    log: { info: () => {}, warn: () => {}, error: () => {} },
    batchWindowMs: 50,
  });
  await stack.seed(
    readdirSync(EXAMPLES).map((name) => ({ name, body: readFileSync(path.join(EXAMPLES, name)) })),
  );
  await stack.queue.idle();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function chromium(...args: string[]) {
  return run(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${path.join(work, 'profile')}`,
      ...args,
    ],
    { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
  );
}

describe('the feeds page in a browser', () => {
  it('lists every category with its three feeds, and autodiscovery links', async () => {
    const { stdout } = await chromium('--dump-dom', `${stack.cdn.url}/feeds/index.html`);
    const page = parseHtml(stdout);
    const rows = findAll(
      page,
      (e) =>
        e.tagName === 'tr' &&
        (attribute(e, 'data-category') !== undefined || attribute(e, 'data-site') !== undefined),
    );
    const names = rows.map((row) => textOf(findAll(row, (e) => e.tagName === 'th')[0] ?? row));
    expect(names).toEqual(['Tất cả tin', 'Chuyển đổi số', 'Thời sự', 'Văn hóa', 'Xây dựng Đảng']);
    for (const row of rows) {
      const links = findAll(row, (e) => e.tagName === 'a').map((a) => textOf(a));
      expect(links).toEqual(['RSS 2.0', 'Atom 1.0', 'JSON Feed 1.1']);
    }
    const alternates = findAll(page, (e) => e.tagName === 'link' && attribute(e, 'rel') === 'alternate');
    expect(alternates).toHaveLength(15);
  }, 90_000);

  it('renders to a screenshot', async () => {
    const file = path.join(work, 'feeds.png');
    await chromium(`--screenshot=${file}`, '--window-size=1000,800', `${stack.cdn.url}/feeds/index.html`);
    const png = readFileSync(file);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(statSync(file).size).toBeGreaterThan(10_000);
  }, 90_000);
});
