/// SVG pieces shared by the report's stage graph and `explain`'s arithmetic pictures.
enum SVGMarkup {
  /// An arrowhead for `marker-end="url(#arrow)"`, to place in `<defs>`; style it with `marker path{fill:...}`.
  static let arrowMarker = """
    <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" \
    orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>
    """
}
