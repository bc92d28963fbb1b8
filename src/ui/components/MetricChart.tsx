import { memo, useMemo } from 'react';
import { LineChart, type ChartLine } from '../charts/LineChart';
import type { MetricSeries } from '../run-store';
import { drawSeries } from '../series';
import { tickValue } from './format';

/** How the charts draw: shared by all of them. */
export interface ChartOptions {
  readonly xAxis: 'iteration' | 'epoch';
  readonly logY: boolean;
  /** EMA weight in [0, 1). */
  readonly smoothing: number;
  /** Train iterations per epoch (to turn fractional epochs into iterations). */
  readonly iterationsPerEpoch: number;
}

const MAX_POINTS = 1000;
const TRAIN = '#2563eb';
const VALID = '#ea580c';

/** One numeric metric: train and valid per iteration (raw faint under smoothed) and epoch means. */
export const MetricChart = memo(function MetricChart({ series, options, version }: { series: MetricSeries; options: ChartOptions; version: number }) {
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` changes when the series arrays (mutated in place) grow
  const lines = useMemo((): ChartLine[] => {
    const o = {
      xScale: options.xAxis === 'iteration' ? options.iterationsPerEpoch : 1,
      smoothing: options.smoothing,
      maxPoints: MAX_POINTS,
      positiveOnly: options.logY,
    };
    const train = drawSeries(series.train, o);
    const valid = drawSeries(series.valid, o);
    const smoothed = options.smoothing > 0;
    return [
      ...(smoothed ? [{ key: 'train-raw', name: 'train (raw)', color: TRAIN, width: 1, opacity: 0.25, points: train.raw, listed: false }] : []),
      ...(smoothed ? [{ key: 'valid-raw', name: 'valid (raw)', color: VALID, width: 1, opacity: 0.25, points: valid.raw, listed: false }] : []),
      { key: 'train', name: 'train', color: TRAIN, width: 2, points: smoothed ? train.smoothed : train.raw },
      { key: 'valid', name: 'valid', color: VALID, width: 2, points: smoothed ? valid.smoothed : valid.raw },
      { key: 'train-epoch', name: 'train epoch mean', color: TRAIN, width: 1, dashed: true, dots: true, points: train.epochs },
      { key: 'valid-epoch', name: 'valid epoch mean', color: VALID, width: 1, dashed: true, dots: true, points: valid.epochs },
    ];
  }, [series, options, version]);
  const formatX = (x: number) => (options.xAxis === 'epoch' ? String(Number(x.toFixed(2))) : x.toFixed(0));
  return (
    <figure className="chart" aria-label={`${series.name} chart`} data-train-points={series.train.y.length} data-valid-points={series.valid.y.length}>
      <figcaption>{series.name}</figcaption>
      <LineChart lines={lines} logY={options.logY} formatX={formatX} formatY={tickValue} />
    </figure>
  );
});
