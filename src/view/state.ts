/** What the viewer's page reports through `window.adeptViewer.state()` (tests and scripts read it). */

/** One finished episode. */
export interface EpisodeRecord {
  /** 0-based index in the seed's episode sequence. */
  index: number;
  /** The reset seed (the index-th draw of Rng(seed)). */
  resetSeed: number;
  length: number;
  return: number;
  /** D4RL normalized score. */
  score: number;
  /** True when the episode ended unhealthy, false at the time limit. */
  terminated: boolean;
}

/** The panel's readouts. */
export interface ViewerState {
  ready: boolean;
  playing: boolean;
  seed: number;
  /** 0-based index of the running episode. */
  episode: number;
  /** Steps and return of the running episode so far. */
  step: number;
  return: number;
  episodes: EpisodeRecord[];
  /** Environment steps taken since the page loaded (all episodes). */
  totalSteps: number;
  /** False when WebGL is unavailable (the simulation still runs). */
  drawing: boolean;
  error?: string;
}
