// Buffers the host writes bulk inputs into before one call consumes them (layer estimates, edge
// lists), and the core writes bulk outputs into (the tile map). Allocated once at start-up.

export const IO_INTS: i32 = 8192;
export const ioInts = new StaticArray<i32>(IO_INTS);
export const IO_FLOATS: i32 = 8192;
export const ioFloats = new StaticArray<f64>(IO_FLOATS);
