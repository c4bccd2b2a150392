// The package's "types" field names a directory, which NodeNext resolution does not follow.
declare module 'tree-sitter-powershell' {
  import type Parser from 'tree-sitter';
  const language: Parser.Language;
  export default language;
}
