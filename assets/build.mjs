// Bundle the editors into ../webapp/static/vendor (run by `make assets`; the output is committed).
import { build } from 'esbuild';

const outdir = '../webapp/static/vendor';
const common = {
  bundle: true, minify: true, legalComments: 'linked', target: ['es2020'], outdir, logLevel: 'info',
  loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'dataurl', '.png': 'dataurl' },
};
await build({
  ...common,
  entryPoints: { 'bpmn-editor': 'src/bpmn.js', 'dmn-editor': 'src/dmn.js' },
  format: 'iife',
  jsx: 'automatic',
  jsxImportSource: '@bpmn-io/properties-panel/preact',
  alias: { react: '@bpmn-io/properties-panel/preact/compat', 'react-dom': '@bpmn-io/properties-panel/preact/compat' },
  define: { 'process.env.NODE_ENV': '"production"' },
});
await build({ ...common, entryPoints: { 'bpmn-editor': 'src/bpmn.css', 'dmn-editor': 'src/dmn.css' } });
