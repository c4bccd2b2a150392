/// <reference path="./tree-sitter-powershell.d.ts" />
// Parses PowerShell with a real grammar (tree-sitter-powershell) and reports where it breaks.
import Parser from 'tree-sitter';
import PowerShell from 'tree-sitter-powershell';

export interface SyntaxProblem {
  line: number;
  column: number;
  /** "ERROR" for text the grammar cannot place, "MISSING x" for a token it had to invent. */
  kind: string;
  text: string;
}

let parser: Parser | undefined;

/** Every ERROR and MISSING node, in source order; empty when the source parses cleanly. */
export function powershellSyntaxProblems(source: string): SyntaxProblem[] {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(PowerShell);
  }
  const tree = parser.parse(source);
  const problems: SyntaxProblem[] = [];
  const walk = (node: Parser.SyntaxNode): void => {
    if (node.type === 'ERROR' || node.isMissing) {
      problems.push({
        line: node.startPosition.row + 1,
        column: node.startPosition.column + 1,
        kind: node.isMissing ? `MISSING ${node.type}` : 'ERROR',
        text: node.text.split('\n')[0].slice(0, 60),
      });
    }
    if (node.hasError || node.isMissing) node.children.forEach(walk);
  };
  walk(tree.rootNode);
  return problems;
}
