import { useEffect, useRef } from 'react';

/** An image item as the model saw it (RGBA, size × size), drawn at 3× with sharp pixels. */
export function Thumb({ rgba, size, label }: { readonly rgba: Uint8ClampedArray; readonly size: number; readonly label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    canvas.current?.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(rgba), size, size), 0, 0);
  }, [rgba, size]);
  return <canvas ref={canvas} className="thumb" width={size} height={size} aria-label={label} />;
}
