// Vite builds the app into dist/, which embed.go puts into the Go binary.
// Sass resolves `pkg:govuk-frontend/...` through Node's package exports.
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { NodePackageImporter } from 'sass';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

// keepPlaceholder puts back dist/.gitkeep, the committed placeholder that
// lets `go build` embed dist/ before the app has been built.
const keepPlaceholder = {
  name: 'keep-placeholder',
  closeBundle() {
    writeFileSync(new URL('./dist/.gitkeep', import.meta.url), '');
  },
};

// precompress writes name.br and name.gz next to each compressible file of
// dist/, at the highest levels, once per build: the server sends them to
// clients that accept them (api/static.go) and compresses nothing itself.
const compressible = /\.(html|js|mjs|css|svg|json|txt|ico|webmanifest)$/;
const precompress = {
  name: 'precompress',
  closeBundle() {
    const dist = new URL('./dist/', import.meta.url).pathname;
    for (const name of readdirSync(dist, { recursive: true })) {
      if (!compressible.test(name)) continue;
      const file = join(dist, name);
      const body = readFileSync(file);
      writeFileSync(file + '.br', brotliCompressSync(body, {
        params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
      }));
      writeFileSync(file + '.gz', gzipSync(body, { level: 9 }));
    }
  },
};

// dropIEHacks removes GOV.UK Frontend's `@media ... (min-width: 0\0)` rule
// for Internet Explorer 8 (in service-navigation): Vite 8's CSS minifier
// rejects it as an invalid media query, and no browser we support needs it.
// It also removes the footer's crown copyright logo rules, which point at
// GOV.UK's crest image: a council service shows no crest (the app never
// renders .govuk-footer__copyright-logo), and without this Vite warns that
// /assets/images/govuk-crest.svg "didn't resolve at build time".
const dropIEHacks = {
  postcssPlugin: 'drop-ie-hacks',
  AtRule: {
    media(rule) {
      if (/\\0|\uFFFD|\u0000/.test(rule.params)) rule.remove();
    },
  },
  Rule(rule) {
    if (rule.selector.includes('govuk-footer__copyright-logo')) rule.remove();
  },
};

export default defineConfig({
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false }), keepPlaceholder, precompress],
  css: {
    postcss: { plugins: [dropIEHacks] },
    preprocessorOptions: {
      scss: {
        importers: [new NodePackageImporter()],
        // GOV.UK Frontend still uses a few Sass features that print
        // deprecation notices; they are the library's, not ours.
        quietDeps: true,
        silenceDeprecations: ['import'],
      },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2020',
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' },
  },
});
