import { describe, expect, it } from '@jest/globals';
import GithubSlugger from 'github-slugger';
import { marked, type Token } from 'marked';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = join(REPO, 'test/fixtures/docs-links');

/** The Markdown pages a reader follows links through: the top-level *.md files and docs/*.md. */
function pages(root: string): string[] {
  const mdIn = (dir: string): string[] =>
    existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.md')).map((f) => join(dir, f)) : [];
  return [...mdIn(root), ...mdIn(join(root, 'docs'))].sort();
}

/** The text GitHub makes a heading's anchor from: inline markup and HTML tags left out. */
function plainText(tokens: Token[]): string {
  return tokens
    .map((t) => {
      if (t.type === 'html') return '';
      if ('tokens' in t && Array.isArray(t.tokens)) return plainText(t.tokens as Token[]);
      return 'text' in t && typeof t.text === 'string' ? t.text : '';
    })
    .join('');
}

const anchorCache = new Map<string, Set<string>>();

/** Anchors of a Markdown file, by GitHub's heading slug rules (duplicates get -1, -2, ...). */
function anchorsOf(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (anchors === undefined) {
    const slugger = new GithubSlugger();
    anchors = new Set();
    marked.walkTokens(marked.lexer(readFileSync(file, 'utf8')), (t) => {
      if (t.type === 'heading') anchors?.add(slugger.slug(plainText(t.tokens ?? [])));
    });
    anchorCache.set(file, anchors);
  }
  return anchors;
}

/** Every relative link or image of the given pages that does not resolve, as "file: target: why". */
function brokenLinks(root: string, files: string[]): string[] {
  const broken: string[] = [];
  for (const file of files) {
    const hrefs: string[] = [];
    marked.walkTokens(marked.lexer(readFileSync(file, 'utf8')), (t) => {
      if (t.type === 'link' || t.type === 'image') hrefs.push(t.href);
    });
    for (const href of hrefs) {
      // Absolute URLs (https:, mailto:, protocol-relative) are out of scope: no network in tests.
      if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) continue;
      const hash = href.indexOf('#');
      const path = decodeURI(hash === -1 ? href : href.slice(0, hash));
      const fragment = hash === -1 ? undefined : decodeURIComponent(href.slice(hash + 1));
      const target = path === '' ? file : resolve(dirname(file), path);
      const where = `${relative(root, file)}: ${href}`;
      if (target !== root && !target.startsWith(root + sep)) broken.push(`${where}: outside the repository`);
      else if (!existsSync(target)) broken.push(`${where}: no such file`);
      else if (fragment !== undefined && target.endsWith('.md') && statSync(target).isFile() && !anchorsOf(target).has(fragment)) {
        broken.push(`${where}: no heading with this anchor in ${relative(root, target)}`);
      }
    }
  }
  return broken;
}

describe('documentation links', () => {
  it('finds the README, the docs/ pages and the other top-level pages', () => {
    const found = pages(REPO).map((f) => relative(REPO, f));
    expect(found).toEqual(expect.arrayContaining(['README.md', 'CHANGELOG.md', join('docs', 'configuration.md'), join('docs', 'metrics.md')]));
  });

  it('resolve: every relative link and #anchor across README.md, docs/*.md and the top-level pages', () => {
    expect(brokenLinks(REPO, pages(REPO))).toEqual([]);
  });

  it('are checked: missing files and anchors are reported, GitHub slugs and duplicates are understood', () => {
    expect(brokenLinks(FIXTURE, pages(FIXTURE))).toEqual([
      'README.md: #missing: no heading with this anchor in README.md',
      'README.md: #fake-heading-in-code: no heading with this anchor in README.md',
      'README.md: docs/other.md#nope: no heading with this anchor in docs/other.md',
      'README.md: missing.md: no such file',
      'README.md: docs/missing.png: no such file',
      'README.md: ../../../outside.md: outside the repository',
      'docs/other.md: ../README.md#Intro: no heading with this anchor in README.md',
    ]);
  });
});
