// The few globals that both Node and Web Workers provide. src/train compiles without the DOM and
// Node libs, so using anything else (document, fs, IndexedDB) is a type error here.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
declare const performance: { now(): number };
declare function setTimeout(callback: () => void, ms?: number): unknown;
