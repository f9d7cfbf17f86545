// A layer split over m tiles (IsoSched's "split" beside "concatenate": a heavy layer computed by
// several tiles side by side). A pipeline of k stages is replicated into m lanes; lane j computes
// its share of every layer of every stage. How a layer is shared (the cheaper of the two for it):
//  - by rows: lane j computes output rows [j*ceil(Yo/m), ...) of the layer. Its input band needs
//    (R - stride) rows beyond its own: the halo, sent by the neighbouring lane over their link (the
//    model's first layer reads its halo from DRAM instead: duplicated input reads). Each lane holds
//    all of the layer's weights: they are read from DRAM once per lane (duplicated weight reads).
//  - by output channels: lane j computes ceil(K/m) of the K output channels over every row, with
//    its own share of the weights, but needs the whole input: the other lanes' channels are
//    gathered over the lane links ((m-1)/m of the layer's input per lane). A layer whose output
//    has fewer rows than lanes (a fully connected layer, a 2x2 map) can only be split this way
//    without computing the same rows twice.
// A lane's work is the tile cost of its slice (cost.ts tileLayerCost on the sliced layer), so the
// mapping's rounding (ceil over channel and column unrolls) is charged as it falls.

import type { AcceleratorConfig } from "./constants.js";
import { type Layer, type TileLayerCost, inputElements, layerShape, tileLayerCost } from "./cost.js";

export type SplitKind = "rows" | "channels";

export interface LaneLayerCost {
  split: SplitKind;
  /** What one lane computes, reads and writes (inBytes: its input band, halo included). */
  lane: TileLayerCost;
  /** Bytes one lane receives from the other lanes over the lane links for this layer (halo or gather). */
  exchangeBytes: number;
}

/** The slice of `l` that one of `lanes` lanes computes when it is split by rows. */
export function rowSlice(l: Layer, lanes: number): Layer {
  const s = layerShape(l);
  const rows = Math.ceil(s.Yo / lanes);
  if (l.Y < l.R) return { ...l }; // one padded output row: nothing to share by rows
  return { ...l, Y: Math.min(l.Y, (rows - 1) * l.strideY + l.R) };
}

/** The slice of `l` that one of `lanes` lanes computes when it is split by output channels. */
export function channelSlice(l: Layer, lanes: number): Layer {
  const K = Math.ceil(l.K / lanes);
  // depthwise: a lane's output channels read only their own input channels
  return l.kind === "DSCONV" ? { ...l, K, C: K } : { ...l, K };
}

/**
 * The cost of one lane's share of layer `l` split over `lanes` lanes: by rows or by channels,
 * whichever gives the lane less time (compute, then the exchange over a link), rows on a tie.
 */
export function laneLayerCost(l: Layer, lanes: number, cfg: AcceleratorConfig): LaneLayerCost {
  if (!Number.isInteger(lanes) || lanes < 1) throw new RangeError(`lanes must be a positive integer, got ${lanes}`);
  const whole = tileLayerCost(l, cfg);
  if (lanes === 1) return { split: "rows", lane: whole, exchangeBytes: 0 };
  const bpe = cfg.bytesPerElement;
  const linkBytesPerNs = cfg.nocLinkBytesPerCycle * cfg.clockGHz;

  const rows = tileLayerCost(rowSlice(l, lanes), cfg);
  // the band's rows beyond an even share of the input come from the neighbour (the halo)
  const halo = Math.max(0, rows.inBytes - Math.ceil(inputElements(l) / lanes) * bpe);
  const byRows: LaneLayerCost = { split: "rows", lane: rows, exchangeBytes: halo };

  const ch = channelSlice(l, lanes);
  const chCost = tileLayerCost(ch, cfg);
  const gather = l.kind === "DSCONV" ? 0 : (whole.inBytes * (lanes - 1)) / lanes;
  const byChannels: LaneLayerCost = { split: "channels", lane: chCost, exchangeBytes: gather };

  const time = (c: LaneLayerCost) => c.lane.computeNs + c.exchangeBytes / linkBytesPerNs;
  return time(byChannels) < time(byRows) ? byChannels : byRows;
}
