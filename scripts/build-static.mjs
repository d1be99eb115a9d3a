// Builds app/static/vendor from the pinned npm packages, so the app serves every script,
// stylesheet and font itself (no CDN at run time):
//  - copies Bootstrap, its icons, htmx and ECharts as their packages ship them;
//  - bundles the process owner's workbench (frontend/*.js: bpmn-js modeler, viewer, diff)
//    with esbuild, the bpmnlint configuration (frontend/.bpmnlintrc) compiled in at build time.
import { cpSync, mkdirSync, rmSync, existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));
const out = join(root, "app", "static", "vendor");
const files = {
  "bootstrap/dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
  "bootstrap/dist/css/bootstrap.min.css.map": "bootstrap/bootstrap.min.css.map",
  "bootstrap/dist/js/bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
  "bootstrap/dist/js/bootstrap.bundle.min.js.map": "bootstrap/bootstrap.bundle.min.js.map",
  "bootstrap-icons/font/bootstrap-icons.min.css": "bootstrap-icons/bootstrap-icons.min.css",
  "bootstrap-icons/font/fonts": "bootstrap-icons/fonts",
  "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
  "echarts/dist/echarts.min.js": "echarts/echarts.min.js",
  "echarts/LICENSE": "echarts/LICENSE",
};
rmSync(out, { recursive: true, force: true });
for (const [from, to] of Object.entries(files)) {
  const src = join(root, "node_modules", from);
  if (!existsSync(src)) throw new Error(`missing ${src}: run npm ci first`);
  mkdirSync(dirname(join(out, to)), { recursive: true });
  cpSync(src, join(out, to), { recursive: true });
}

// .bpmnlintrc -> a module exporting { config, resolver } with every enabled rule bundled,
// as bpmnlint-loader / rollup-plugin-bpmnlint do, through bpmnlint's own compileConfig.
const bpmnlintPlugin = {
  name: "bpmnlint-config",
  setup(build) {
    build.onLoad({ filter: /\.bpmnlintrc$/ }, async (args) => {
      const compileConfig = require("bpmnlint/lib/support/compile-config");
      const config = JSON.parse(readFileSync(args.path, "utf8"));
      return { contents: await compileConfig(config), loader: "js", resolveDir: root };
    });
  },
};

// @bpmn-io/properties-panel's components fall back to an English `translateFallback` where no `translate`
// is passed down: let it ask the page's translation (frontend/translate-zh.js) first. Fails the build if the
// library no longer has the function, rather than shipping English silently.
const FALLBACK = "function translateFallback(template, replacements) {";
const fallbackTranslatePlugin = {
  name: "properties-panel-fallback-translate",
  setup(build) {
    build.onLoad({ filter: /@bpmn-io[\\/]properties-panel[\\/]dist[\\/]index\.esm\.js$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      if (!source.includes(FALLBACK)) throw new Error(`${args.path}: translateFallback not found`);
      const patched = source.replace(FALLBACK, `${FALLBACK}
  if (globalThis.jiesuTranslate) return globalThis.jiesuTranslate(template, replacements);`);
      return { contents: patched, loader: "js" };
    });
  },
};

const esbuild = await import("esbuild");
await esbuild.build({
  entryPoints: {
    modeler: join(root, "frontend", "modeler.js"),
    viewer: join(root, "frontend", "viewer.js"),
    diff: join(root, "frontend", "diff.js"),
  },
  outdir: join(out, "bpmn"),
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "iife",
  target: ["chrome100", "firefox100", "safari15"],
  jsx: "automatic",
  jsxImportSource: "@bpmn-io/properties-panel/preact",
  loader: { ".bpmn": "text", ".woff": "file", ".woff2": "file", ".ttf": "file", ".eot": "file", ".svg": "dataurl" },
  plugins: [bpmnlintPlugin, fallbackTranslatePlugin],
  legalComments: "linked",
  logLevel: "warning",
});
console.log(`front-end packages copied and bundled to ${out}`);
