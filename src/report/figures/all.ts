/** Every figure of the report, in page order. Pure. */
import type { ReportData } from '../data.js';
import type { Figure } from '../figure.js';
import { coverageFigure } from './coverage.js';
import { decontamFigure } from './decontam.js';
import { decontamEvidenceFigure } from './decontam-evidence.js';
import { decontamScoresFigure } from './decontam-scores.js';
import { funnelFigure, tasksFigure } from './generation.js';
import { languagesFigure } from './languages.js';
import { mapFigure } from './map.js';

/** Ids of the figures, in page order. */
export const FIGURE_IDS = ['coverage', 'map', 'languages', 'tasks', 'funnel', 'decontam', 'decontam-scores', 'decontam-evidence'] as const;

/** Builds every figure from the report's data: drawn where its inputs are there, a note otherwise. */
export function buildFigures(data: ReportData): Figure[] {
  return [
    coverageFigure(data.coverage),
    mapFigure(data.map),
    languagesFigure(data.languages),
    tasksFigure(data.generate),
    funnelFigure(data.generate),
    decontamFigure(data.decontam),
    decontamScoresFigure(data.decontamScores),
    decontamEvidenceFigure(data.decontamEvidence),
  ];
}
