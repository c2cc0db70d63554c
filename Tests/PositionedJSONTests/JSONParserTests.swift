import PositionedJSON
import Testing

@Suite("JSONParser: strict RFC 8259 with positions")
struct JSONParserTests {
  // MARK: - Valid documents

  /// Input text and its compact `jsonText` (keys in file order, `", "` and `": "` separators).
  static let roundTrips: [(String, String)] = [
    ("null", "null"),
    ("true", "true"),
    ("false", "false"),
    ("0", "0"),
    ("-0", "-0"),
    ("1.50", "1.50"),
    ("1E+3", "1E+3"),
    ("-2.5e-10", "-2.5e-10"),
    ("12345678901234567890", "12345678901234567890"),
    ("\"\"", "\"\""),
    ("\"plain\"", "\"plain\""),
    (#""a\"b\\c\/d""#, #""a\"b\\c/d""#),
    (#""tab\there\nline\r""#, #""tab\there\nline\r""#),
    (#""\b\f\u0001""#, #""\u0008\u000c\u0001""#),
    ("\"h\u{e9}llo \u{1F600}\"", "\"h\u{e9}llo \u{1F600}\""),
    ("[]", "[]"),
    ("{}", "{}"),
    ("[1,2 , 3]", "[1, 2, 3]"),
    (" \n\t{ \"b\" :1, \"a\":[true,null,{\"c\":\"d\"}] } \r\n", #"{"b": 1, "a": [true, null, {"c": "d"}]}"#),
    ("[[[]],[{}]]", "[[[]], [{}]]"),
  ]

  @Test("valid documents round-trip through jsonText", arguments: roundTrips)
  func roundTrip(_ text: String, _ expected: String) throws {
    let value = try JSONParser.parse(text)
    #expect(value.jsonText == expected)
    // jsonText is itself valid JSON with the same compact text.
    let again = try JSONParser.parse(value.jsonText)
    #expect(again.jsonText == expected)
  }

  @Test("numbers keep their source text and value")
  func numbers() throws {
    let value = try JSONParser.parse("[1.0, 1e2, -0.25, 7, 9007199254740993]")
    let list = try #require(value.arrayValue)
    #expect(list.map(\.jsonText) == ["1.0", "1e2", "-0.25", "7", "9007199254740993"])
    #expect(list.map(\.doubleValue) == [1.0, 100.0, -0.25, 7.0, 9007199254740992.0])
    #expect(list[0].intValue == 1)
    #expect(list[1].intValue == 100)
    #expect(list[2].intValue == nil)
    #expect(list[3].intValue == 7)
    #expect(try JSONParser.parse("12345678901234567890").intValue == nil)
    #expect(try JSONParser.parse("\"7\"").intValue == nil)
  }

  @Test("unicode escapes, surrogate pairs and raw UTF-8")
  func unicode() throws {
    let cases: [(String, String)] = [
      (#""\u0041\u00e9\u00E9""#, "A\u{e9}\u{e9}"),
      (#""\u20AC""#, "\u{20AC}"),
      (#""\ud83d\ude00""#, "\u{1F600}"),
      (#""\uD834\uDD1E!""#, "\u{1D11E}!"),
      ("\"\u{1D11E}\"", "\u{1D11E}"),
      (#""\u0000""#, "\u{0}"),
    ]
    for (text, expected) in cases {
      #expect(try JSONParser.parse(text).stringValue == expected, "\(text)")
    }
    #expect(JSONValue.quoted("\u{0}\u{1f}\u{7f}\u{e9}") == "\"\\u0000\\u001f\u{7f}\u{e9}\"")
    #expect(JSONValue.quoted("say \"hi\"\\") == #""say \"hi\"\\""#)
  }

  @Test("values remember their line and column")
  func positions() throws {
    let value = try JSONParser.parse("{\n  \"a\": [1,\n    true],\n\t\"b\": \"x\"\n}")
    #expect((value.line, value.column) == (1, 1))
    let a = try #require(value["a"])
    #expect((a.line, a.column) == (2, 8))
    let items = try #require(a.arrayValue)
    #expect((items[0].line, items[0].column) == (2, 9))
    #expect((items[1].line, items[1].column) == (3, 5))
    let b = try #require(value["b"])
    #expect((b.line, b.column) == (4, 7))
    #expect(value.objectMembers?.map(\.key) == ["a", "b"])
    #expect(value["missing"] == nil)
    // Each key's opening quote, for problems with the key itself (an unknown key).
    #expect(value.keyPositions == ["a": .init(line: 2, column: 3), "b": .init(line: 4, column: 2)])
    #expect(a.keyPositions.isEmpty, "an array has no keys")
  }

  // MARK: - Syntax errors

  struct SyntaxCase: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    let line: Int
    let column: Int
    let message: String
    var testDescription: String { name }
  }

  static let syntaxErrors: [SyntaxCase] = [
    .init(name: "empty input", text: "", line: 1, column: 1, message: "unexpected end of file, expected a value"),
    .init(
      name: "only whitespace", text: "  \n   ", line: 2, column: 4, message: "unexpected end of file, expected a value"),
    .init(
      name: "trailing comma in array", text: "[1, 2,]", line: 1, column: 7,
      message: "unexpected character ']', expected a value"),
    .init(
      name: "trailing comma in object", text: "{\"a\": 1,}", line: 1, column: 9,
      message: "expected a string key in double quotes"),
    .init(name: "missing colon", text: "{\"a\" 1}", line: 1, column: 6, message: "expected ':' after key \"a\""),
    .init(name: "missing comma", text: "[1 2]", line: 1, column: 4, message: "expected ',' or ']' in array"),
    .init(
      name: "missing comma in object", text: "{\"a\": 1 \"b\": 2}", line: 1, column: 9,
      message: "expected ',' or '}' in object"),
    .init(
      name: "single-quoted key", text: "{'a': 1}", line: 1, column: 2, message: "expected a string key in double quotes"
    ),
    .init(
      name: "single-quoted value", text: "['a']", line: 1, column: 2,
      message: "unexpected character ''', expected a value"),
    .init(name: "unterminated string", text: "[\"abc", line: 1, column: 6, message: "unterminated string"),
    .init(name: "unterminated array", text: "[1,\n2", line: 2, column: 2, message: "expected ',' or ']' in array"),
    .init(
      name: "raw tab in string", text: "\"a\tb\"", line: 1, column: 3,
      message: "control character in string (write it as an escape)"),
    .init(
      name: "raw newline in string", text: "\"a\nb\"", line: 1, column: 3,
      message: "control character in string (write it as an escape)"),
    .init(name: "bad escape", text: #""\x""#, line: 1, column: 2, message: "invalid escape '\\x'"),
    .init(name: "short unicode escape", text: #""\u12G4""#, line: 1, column: 4, message: "invalid \\u escape"),
    .init(
      name: "lone high surrogate", text: #""\ud800x""#, line: 1, column: 8, message: "unpaired surrogate in \\u escape"),
    .init(
      name: "high surrogate then non-low", text: #""\ud800\u0041""#, line: 1, column: 14,
      message: "invalid surrogate pair in \\u escape"),
    .init(name: "lone low surrogate", text: #""\udc00""#, line: 1, column: 8, message: "invalid \\u escape"),
    .init(name: "leading zero", text: "01", line: 1, column: 2, message: "unexpected text after the JSON value"),
    .init(name: "leading zero in array", text: "[01]", line: 1, column: 3, message: "expected ',' or ']' in array"),
    .init(name: "leading plus", text: "+1", line: 1, column: 1, message: "unexpected character '+', expected a value"),
    .init(name: "lone minus", text: "-", line: 1, column: 2, message: "invalid number"),
    .init(
      name: "no digits after point", text: "1.", line: 1, column: 3, message: "invalid number: digits must follow '.'"),
    .init(name: "leading point", text: ".5", line: 1, column: 1, message: "unexpected character '.', expected a value"),
    .init(
      name: "no exponent digits", text: "1e+", line: 1, column: 4,
      message: "invalid number: digits must follow the exponent"),
    .init(name: "number out of range", text: "[1e400]", line: 1, column: 7, message: "number 1e400 is out of range"),
    .init(name: "NaN", text: "NaN", line: 1, column: 1, message: "unexpected character 'N', expected a value"),
    .init(name: "Infinity", text: "[-Infinity]", line: 1, column: 3, message: "invalid number"),
    .init(name: "truncated literal", text: "tru", line: 1, column: 4, message: "invalid literal, expected 'true'"),
    .init(
      name: "capitalised literal", text: "True", line: 1, column: 1,
      message: "unexpected character 'T', expected a value"),
    .init(name: "trailing garbage", text: "{} x", line: 1, column: 4, message: "unexpected text after the JSON value"),
    .init(name: "two documents", text: "1\n2", line: 2, column: 1, message: "unexpected text after the JSON value"),
    .init(name: "comment", text: "[1] // no", line: 1, column: 5, message: "unexpected text after the JSON value"),
    .init(
      name: "duplicate key at its position", text: "{\"a\": 1,\n  \"b\": 2,\n  \"a\": 3}", line: 3, column: 3,
      message: "duplicate key \"a\""),
    .init(
      name: "duplicate key in nested object", text: "[{\"k\": {\"x\": 1, \"x\": 1}}]", line: 1, column: 17,
      message: "duplicate key \"x\""),
    .init(
      name: "error on a later line", text: "{\n  \"a\": [1,\n    2,,]\n}", line: 3, column: 7,
      message: "unexpected character ',', expected a value"),
    .init(
      name: "nesting deeper than 512", text: String(repeating: "[", count: 513) + String(repeating: "]", count: 513),
      line: 1, column: 513, message: "nesting deeper than 512 levels"),
  ]

  @Test("syntax errors carry their exact line and column", arguments: syntaxErrors)
  func syntaxError(_ testCase: SyntaxCase) {
    let error = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(testCase.text) }
    #expect(error?.message == testCase.message)
    #expect(error.map { [$0.line, $0.column] } == [testCase.line, testCase.column])
    #expect(error?.description == "line \(testCase.line), column \(testCase.column): \(testCase.message)")
  }

  @Test("512 levels of nesting are accepted")
  func nestingLimit() throws {
    let arrays = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
    #expect(try JSONParser.parse(arrays).arrayValue?.count == 1)
    let objects = String(repeating: "{\"a\":", count: 512) + "1" + String(repeating: "}", count: 512)
    #expect(try JSONParser.parse(objects)["a"] != nil)
    #expect(throws: JSONSyntaxError.self) {
      try JSONParser.parse(String(repeating: "{\"a\":", count: 513) + "1" + String(repeating: "}", count: 513))
    }
  }

  @Test("columns count characters, not UTF-8 bytes, after non-ASCII text on the same line")
  func columnsCountCharacters() throws {
    let text = #"{"description": "Überprüfung 測試 🙂", "stride": 2}"#
    let stride = try #require(try JSONParser.parse(text)["stride"])
    let expected = text.distance(from: text.startIndex, to: try #require(text.range(of: "2}")).lowerBound) + 1
    #expect(stride.column == expected)
    let error = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(#"{"name": "ünïcode", "x": tru}"#) }
    #expect(error?.column == 29, "the 29th character, where tru} stops being true")
  }

  @Test("canonical text keeps integers above 2^53 exact, so seeds that differ there hash apart")
  func canonicalLargeIntegers() throws {
    let a = try JSONParser.parse(#"{"seed": 9007199254740993}"#).canonicalText
    let b = try JSONParser.parse(#"{"seed": 9007199254740992}"#).canonicalText
    #expect(a != b)
    #expect(a == #"{"seed":9007199254740993}"#)
    #expect(
      try JSONParser.parse(#"{"b": 2, "a": 2.0}"#).canonicalText == #"{"a":2.0,"b":2.0}"#,
      "the same number, however written")
    #expect(try JSONParser.parse("123456789012345678901234567890").canonicalText == "123456789012345678901234567890")
  }
}
