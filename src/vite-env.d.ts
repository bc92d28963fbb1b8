/** The URL of the built-in MNIST, packed and gzipped (scripts/vite-mnist.ts). */
declare module 'virtual:kiln-mnist' {
  const url: string;
  export default url;
}
