// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

// The documentation points into the code and into itself; both drift when files move. Every file
// docs/architecture.md names must exist, and every relative link of the README and of docs/ must
// reach a file, and the heading its #anchor names.

const ROOT = path.resolve(__dirname, '..', '..');
const read = (relative: string) => readFileSync(path.join(ROOT, relative), 'utf8');
const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);

/** Markdown pages of the README and docs/, without fenced code (whose # lines are not headings). */
function pages(): string[] {
  return tracked.filter((file) => file === 'README.md' || (file.startsWith('docs/') && file.endsWith('.md')));
}

function withoutCode(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of withoutCode(markdown).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = anchorOf(match[1]!);
    const count = seen.get(base) ?? 0;
    anchors.add(count ? `${base}-${count}` : base);
    seen.set(base, count + 1);
  }
  return anchors;
}

describe('documentation links', () => {
  test('when docs/architecture.md names a .ts file, then the file exists (a bare name, somewhere in the repository)', () => {
    const named = [...read('docs/architecture.md').matchAll(/`([^`\s]+\.ts)`/g)].map((m) => m[1]!).filter((name) => !/[*<]/.test(name));
    assert.ok(named.length > 100, `the page's file names could be read (found ${named.length})`);
    const missing = [...new Set(named)].filter((name) => (name.includes('/') ? !existsSync(path.join(ROOT, name)) : !tracked.some((file) => path.basename(file) === name)));
    assert.deepEqual(missing, [], 'docs/architecture.md names files that do not exist: fix the page (or the move that broke it)');
  });

  test('when a page of the README or docs/ links to another file, then it exists and has the heading its anchor names', () => {
    const broken: string[] = [];
    for (const page of pages()) {
      for (const match of withoutCode(read(page)).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!;
        if (/^[a-z]+:/i.test(target)) continue;
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const resolved = file ? path.normalize(path.join(path.dirname(page), file)) : page;
        if (!existsSync(path.join(ROOT, resolved))) {
          broken.push(`${page}: ${target} (no such file)`);
          continue;
        }
        if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(read(resolved)).has(anchor)) broken.push(`${page}: ${target} (no such heading)`);
      }
    }
    assert.deepEqual(broken, []);
  });
});
