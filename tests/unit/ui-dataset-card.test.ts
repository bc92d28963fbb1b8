import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { DatasetCard } from '../../src/data/card';
import { DatasetCardView } from '../../src/ui/dataset/DatasetCardView';

describe('the dataset card view', () => {
  it('draws_the_class_bars_of_a_label_with_hundreds_of_thousands_of_classes', () => {
    // A classification label picked on an identifier column: one class a row. One count per class
    // spread into Math.max overflowed the stack and took the page down.
    const classes = Array.from({ length: 200_000 }, (_, i) => ({ name: `id-${i}`, count: i === 7 ? 4 : 1 }));
    const card: DatasetCard = {
      source: 'ids.csv',
      kind: 'table',
      task: 'classification',
      items: 200_003,
      inputShape: [3],
      classes,
      preview: { kind: 'rows', header: ['id', 'x', 'label'], rows: [] },
      warnings: [],
      skipped: [],
    };
    const html = renderToStaticMarkup(createElement(DatasetCardView, { card, validFraction: 0.2, seed: 0 }));
    expect(html).toContain('<span class="class-name" title="id-7">id-7</span><span class="bar" style="width:70%"></span>');
    expect(html).toContain('<span class="class-name" title="id-8">id-8</span><span class="bar" style="width:17.5%"></span>');
    // The first hundred are drawn, the rest counted: a list of 200,000 bars would hold the page for seconds.
    expect(html.match(/<li>/g)).toHaveLength(100);
    expect(html).toContain('and 199,900 more classes');
  });
});
