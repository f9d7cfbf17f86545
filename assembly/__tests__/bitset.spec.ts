import {
  WORDS, bitSet, bitClear, bitTest, setClear, setCount, setIsEmpty, setFirst, setPopFirst,
  setNext, setIntersects, setCountAnd, lowMask,
} from "../bitset";

const a = new StaticArray<u64>(WORDS * 2);

describe("256-bit sets", () => {
  beforeEach(() => {
    setClear(a, 0);
    setClear(a, WORDS);
  });

  it("sets, tests and clears bits in every word", () => {
    bitSet(a, 0, 0);
    bitSet(a, 0, 63);
    bitSet(a, 0, 64);
    bitSet(a, 0, 255);
    expect(bitTest(a, 0, 0)).toBe(true);
    expect(bitTest(a, 0, 63)).toBe(true);
    expect(bitTest(a, 0, 64)).toBe(true);
    expect(bitTest(a, 0, 255)).toBe(true);
    expect(bitTest(a, 0, 1)).toBe(false);
    expect(setCount(a, 0)).toBe(4);
    bitClear(a, 0, 63);
    expect(bitTest(a, 0, 63)).toBe(false);
    expect(setCount(a, 0)).toBe(3);
    // the second set at offset WORDS is untouched
    expect(setIsEmpty(a, WORDS)).toBe(true);
  });

  it("finds and pops the lowest bit across words", () => {
    expect(setFirst(a, 0)).toBe(-1);
    bitSet(a, 0, 200);
    bitSet(a, 0, 130);
    expect(setFirst(a, 0)).toBe(130);
    expect(setPopFirst(a, 0)).toBe(130);
    expect(setPopFirst(a, 0)).toBe(200);
    expect(setPopFirst(a, 0)).toBe(-1);
    expect(setIsEmpty(a, 0)).toBe(true);
  });

  it("iterates from a position", () => {
    bitSet(a, 0, 5);
    bitSet(a, 0, 70);
    bitSet(a, 0, 191);
    expect(setNext(a, 0, 0)).toBe(5);
    expect(setNext(a, 0, 5)).toBe(5);
    expect(setNext(a, 0, 6)).toBe(70);
    expect(setNext(a, 0, 71)).toBe(191);
    expect(setNext(a, 0, 192)).toBe(-1);
    expect(setNext(a, 0, 256)).toBe(-1);
  });

  it("intersects and counts the intersection", () => {
    bitSet(a, 0, 10);
    bitSet(a, 0, 100);
    bitSet(a, WORDS, 101);
    expect(setIntersects(a, 0, a, WORDS)).toBe(false);
    expect(setCountAnd(a, 0, a, WORDS)).toBe(0);
    bitSet(a, WORDS, 100);
    expect(setIntersects(a, 0, a, WORDS)).toBe(true);
    expect(setCountAnd(a, 0, a, WORDS)).toBe(1);
  });

  it("builds low masks up to a full word", () => {
    expect(lowMask(0)).toBe(0);
    expect(lowMask(3)).toBe(7);
    expect(lowMask(64)).toBe(0xffffffffffffffff);
  });
});
