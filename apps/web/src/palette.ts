/**
 * Colours of the page. Net flow uses a diverging blue–orange scale (the ColorBrewer RdBu blues and
 * PuOr oranges around a dark neutral): blue and orange stay apart for the common colour-vision
 * deficiencies (deuteranopia, protanopia, tritanopia), and lightness grows with magnitude, so the
 * map reads in greyscale too. Sign is never carried by colour alone: the legend says which side is
 * which and the tooltip and metrics print the signed value.
 */
export type Rgb = readonly [number, number, number];

/** Net buy (inflow): from the neutral to bright blue. */
export const BUY_STOPS: readonly Rgb[] = [
  [38, 44, 54],
  [33, 102, 172],
  [67, 147, 195],
  [146, 197, 222],
];
/** Net sell (outflow): from the neutral to bright orange. */
export const SELL_STOPS: readonly Rgb[] = [
  [38, 44, 54],
  [179, 88, 6],
  [224, 130, 20],
  [253, 184, 99],
];

function mix(stops: readonly Rgb[], t: number): Rgb {
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

/**
 * The colour of a net flow `value` on a scale whose extreme is `maxAbs`: square-root scaled so
 * small flows stay visible beside a whale's. Zero (or no scale) is the neutral.
 */
export function netFlowColor(value: number, maxAbs: number): Rgb {
  if (!(maxAbs > 0) || !Number.isFinite(value) || value === 0) return BUY_STOPS[0]!;
  const t = Math.sqrt(Math.min(1, Math.abs(value) / maxAbs));
  return mix(value > 0 ? BUY_STOPS : SELL_STOPS, t);
}

export function css([r, g, b]: Rgb): string {
  return `rgb(${r}, ${g}, ${b})`;
}

/** WCAG relative luminance. */
export function luminance([r, g, b]: Rgb): number {
  const channel = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** WCAG contrast ratio of two colours (1 to 21). */
export function contrast(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Page colours (styles.css uses the same values); text pairs meet WCAG AA (4.5:1). */
export const THEME = {
  background: [17, 21, 28] as Rgb,
  panel: [24, 29, 38] as Rgb,
  text: [230, 234, 240] as Rgb,
  muted: [160, 170, 184] as Rgb,
  buy: [110, 176, 232] as Rgb,
  sell: [240, 160, 80] as Rgb,
  whale: [255, 255, 255] as Rgb,
  liquidation: [255, 221, 87] as Rgb,
  priceLine: [236, 236, 236] as Rgb,
};
