// The points the pointer marks: the one under the mouse (its hover card), and the one the
// map rings: a hovered selection row, else a hovered neighbour, else the open datapoint.
import { useState } from 'react';
import type { IdLookup } from '../points/lookup';

/** The point to ring on the map (-1: none of that kind), or null. */
export function ringedPoint(rowHover: number | null, neighbour: number, open: number) {
  return rowHover ?? (neighbour >= 0 ? neighbour : open >= 0 ? open : null);
}

export function usePointMarks(lookup: IdLookup, openDatapoint: string | null) {
  const [hovered, setHovered] = useState<number | null>(null);
  const [rowHover, setRowHover] = useState<number | null>(null);
  const [neighbourHover, setNeighbourHover] = useState<string | null>(null);
  const indexOf = (id: string | null) => (id ? lookup.indexOf(Number(id)) : -1);
  return {
    hovered,
    setHovered,
    setRowHover,
    setNeighbourHover,
    ringed: ringedPoint(rowHover, indexOf(neighbourHover), indexOf(openDatapoint)),
  };
}
