// What every page renders with: Preact's render and hooks, and `html`, htm bound
// to Preact, so that components are written as tagged templates, no build step.
import { h, render, Fragment } from 'preact';
import htm from 'htm';

export { render, Fragment };
export { useState, useEffect, useMemo, useRef, useCallback, useReducer } from 'preact/hooks';
export const html = htm.bind(h);
