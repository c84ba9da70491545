// `import text from "./x.sql"`: the file's text, inlined at build time (esbuild's text loader in
// scripts/synth.cjs, a small plugin in vitest.config.ts).
declare module "*.sql" {
  const text: string;
  export default text;
}
