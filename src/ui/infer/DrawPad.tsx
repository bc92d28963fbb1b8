import { useEffect, useRef } from 'react';

interface Props {
  /** The model's image size: the drawing is scaled down to it. */
  readonly size: number;
  /** Called at most once a frame while drawing, with the drawing as RGBA at `size` × `size`. */
  readonly onDraw: (rgba: Uint8ClampedArray) => void;
}

const SCALE = 10;

/**
 * A pad to draw a digit on, white on black as MNIST's digits are. While the pointer draws, the
 * drawing is scaled down to the model's size once per animation frame and handed on.
 */
export function DrawPad({ size, onDraw }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const last = useRef<{ x: number; y: number } | null>(null);
  const frame = useRef(0);
  const draw = useRef(onDraw);
  draw.current = onDraw;

  const clear = () => {
    const c = canvas.current!.getContext('2d')!;
    c.fillStyle = '#000';
    c.fillRect(0, 0, size * SCALE, size * SCALE);
  };
  useEffect(clear, [size]);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  /** Scales the drawing down and hands it on, once per frame however often the pointer moves. */
  const schedule = () => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const small = new OffscreenCanvas(size, size).getContext('2d')!;
      small.imageSmoothingQuality = 'high';
      small.drawImage(canvas.current!, 0, 0, size, size);
      draw.current(small.getImageData(0, 0, size, size).data);
    });
  };
  const point = (e: React.PointerEvent) => {
    const r = canvas.current!.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * size * SCALE, y: ((e.clientY - r.top) / r.height) * size * SCALE };
  };
  const stroke = (e: React.PointerEvent) => {
    if (!last.current) return;
    const p = point(e);
    const c = canvas.current!.getContext('2d')!;
    c.strokeStyle = '#fff';
    c.lineWidth = 2.2 * SCALE;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(last.current.x, last.current.y);
    c.lineTo(p.x, p.y);
    c.stroke();
    last.current = p;
    schedule();
  };
  return (
    <div className="draw-pad">
      <canvas
        ref={canvas}
        width={size * SCALE}
        height={size * SCALE}
        aria-label="Drawing pad"
        onPointerDown={(e) => {
          canvas.current!.setPointerCapture(e.pointerId);
          last.current = point(e);
          stroke(e);
        }}
        onPointerMove={stroke}
        onPointerUp={() => void (last.current = null)}
      />
      <button
        type="button"
        onClick={() => {
          clear();
          schedule();
        }}
      >
        Clear
      </button>
    </div>
  );
}
