// Policy ids as the host names them, in one place.

import { Policy } from "./policy";
import { Fcfs } from "./fcfs";
import { Sjf } from "./sjf";
import { Prema } from "./prema";
import { Planaria } from "./planaria";
import { Sdrm3 } from "./sdrm3";
import { Dysta } from "./dysta";
import { Hasp } from "./hasp";
import { IsoSched } from "./isosched";
import { ImmSched } from "./immsched";
import { Xrbench } from "./xrbench";

export const POLICY_FCFS: i32 = 0;
export const POLICY_SJF: i32 = 1;
export const POLICY_PREMA: i32 = 2;
export const POLICY_PLANARIA: i32 = 3;
export const POLICY_SDRM3: i32 = 4;
export const POLICY_DYSTA: i32 = 5;
export const POLICY_HASP: i32 = 6;
export const POLICY_ISOSCHED: i32 = 7;
export const POLICY_IMMSCHED: i32 = 8;
/** XRBench's own scheduler: a reference the host reports apart from the nine. */
export const POLICY_XRBENCH: i32 = 9;
export const POLICY_COUNT: i32 = 10;

// One instance of each, made when the module starts: choosing a policy allocates nothing.
const fcfs = new Fcfs();
const sjf = new Sjf();
const prema = new Prema();
const planaria = new Planaria();
const sdrm3 = new Sdrm3();
const dysta = new Dysta();
const hasp = new Hasp();
const isosched = new IsoSched();
const immsched = new ImmSched();
const xrbench = new Xrbench();

/** The policy with its learned state reset; null for an unknown id. */
export function selectPolicy(id: i32): Policy | null {
  let p: Policy | null = null;
  switch (id) {
    case POLICY_FCFS: p = fcfs; break;
    case POLICY_SJF: p = sjf; break;
    case POLICY_PREMA: p = prema; break;
    case POLICY_PLANARIA: p = planaria; break;
    case POLICY_SDRM3: p = sdrm3; break;
    case POLICY_DYSTA: p = dysta; break;
    case POLICY_HASP: p = hasp; break;
    case POLICY_ISOSCHED: p = isosched; break;
    case POLICY_IMMSCHED: p = immsched; break;
    case POLICY_XRBENCH: p = xrbench; break;
  }
  if (p) p.reset();
  return p;
}
