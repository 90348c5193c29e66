// A load refused: the source is unknown, the file cannot be what its publisher sends (malformed,
// truncated, another list), or the result is implausible (far fewer entries than the version in
// force). The version in force stays in force.
export class ListLoadError extends Error {
  override name = 'ListLoadError';
}

export class ListFormatError extends ListLoadError {
  override name = 'ListFormatError';

  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}
