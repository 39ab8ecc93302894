// Micro-benchmark of the request path's pure pieces (no network): what one chat call costs the gateway in CPU,
// passthrough next to translation. Run in release:
//
//   swift run -c release --scratch-path .build-release holysheep-hotpath
//
// Each figure is the median of 7 rounds of N iterations, in microseconds per call. HOTPATH_ITERATIONS=N runs one
// round of N iterations of each piece instead (for `bash bench/profile.sh callgrind`: instruction counts).
import Foundation
import HolySheepCore

@inline(never) func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

let fixedIterations = ProcessInfo.processInfo.environment["HOTPATH_ITERATIONS"].flatMap { Int($0) }

func measure(_ name: String, iterations: Int = 20_000, _ body: () throws -> Void) rethrows {
    let iterations = fixedIterations ?? iterations
    var rounds: [Double] = []
    for _ in 0..<(fixedIterations == nil ? 7 : 1) {
        let start = ContinuousClock.now
        for _ in 0..<iterations { try body() }
        rounds.append((ContinuousClock.now - start).seconds / Double(iterations) * 1e6)
    }
    rounds.sort()
    print(name.padding(toLength: 48, withPad: " ", startingAt: 0) + String(format: "%8.2f µs", rounds[rounds.count / 2]))
}

let request = Array(#"""
{"model":"claude-sonnet-4.5","messages":[{"role":"system","content":"You are a screenwriter for 9:16 short dramas."},
{"role":"user","content":"Break this scene into shots: INT. TEA HOUSE - NIGHT. Lin pours tea for her estranged father; neither speaks until the cup overflows."}],
"max_tokens":512,"temperature":0.7,"stream":false}
"""#.utf8)
let completion = Array(#"""
{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4.1","choices":[{"index":0,"message":{"role":"assistant","content":"Shot 1: close-up of the teapot. Shot 2: Lin's hands. Shot 3: the father's eyes. Shot 4: overflow.","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":64,"completion_tokens":32,"total_tokens":96,"prompt_tokens_details":{"cached_tokens":0}}}
"""#.utf8)
let anthropicMessage = try JSON(parsing: #"""
{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Shot 1: close-up of the teapot. Shot 2: Lin's hands. Shot 3: the father's eyes. Shot 4: overflow."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":64,"output_tokens":32,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}
"""#)
let geminiResponse = try JSON(parsing: #"""
{"candidates":[{"content":{"role":"model","parts":[{"text":"Shot 1: close-up of the teapot. Shot 2: Lin's hands. Shot 3: the father's eyes. Shot 4: overflow."}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":64,"candidatesTokenCount":32,"totalTokenCount":96}}
"""#)
let anthropicBytes = anthropicMessage.bytes
let geminiBytes = geminiResponse.bytes

print("HolySheep hot-path micro-benchmark (\(ProcessInfo.processInfo.activeProcessorCount) cores)")
try measure("passthrough: inspect + rewrite model (request)") {
    try request.withUnsafeBytes { bytes in
        let inspection = try ChatRequestInspection(body: bytes)
        blackHole(inspection.upstreamBody(from: bytes, upstreamModel: "claude-sonnet-4-5"))
    }
}
measure("passthrough: read usage (response)") {
    completion.withUnsafeBytes { blackHole(TokenUsage.fromOpenAI($0)) }
}
try measure("anthropic: request → Messages body", iterations: 5_000) {
    try request.withUnsafeBytes { bytes in blackHole(try ChatRequestInspection(body: bytes)) }
    blackHole(try AnthropicTranslation.messagesRequest(fromChat: try JSON(parsing: request), upstreamModel: "claude-sonnet-4-5").bytes)
}
try measure("anthropic: message → chat.completion", iterations: 5_000) {
    blackHole(AnthropicTranslation.chatCompletion(fromMessage: try JSON(parsing: anthropicBytes), model: "claude-sonnet-4.5", created: 0).bytes)
}
try measure("gemini: request → GenerateContentRequest", iterations: 5_000) {
    try request.withUnsafeBytes { bytes in blackHole(try ChatRequestInspection(body: bytes)) }
    blackHole(try GeminiTranslation.generateContentRequest(fromChat: try JSON(parsing: request)).bytes)
}
try measure("gemini: response → chat.completion", iterations: 5_000) {
    blackHole(GeminiTranslation.chatCompletion(fromGenerateContent: try JSON(parsing: geminiBytes), model: "gemini-2.5-flash", id: "c", created: 0).bytes)
}

let key = APIKeySecret.generate(sandbox: false).value
measure("auth: key format check + SHA-256 digest") {
    blackHole(APIKeySecret.checkFormat(key))
    blackHole(APIKeySecret.digest(of: key))
}
var bucket = TokenBucket(capacity: 1_000_000_000, now: .now)
measure("limits: token bucket take") {
    blackHole(bucket.take(1, at: .now))
}
let pricing = ChatPricing(price: Price(inputPerMTok: 8, outputPerMTok: 8), officialPrice: Price(inputPerMTok: 2, outputPerMTok: 8), platformRate: 1)
measure("billing: maximum charge + charge + list price") {
    blackHole(pricing.maximumCharge(requestBytes: request.count, maxTokens: 512))
    let usage = TokenUsage(promptTokens: 64, completionTokens: 32)
    blackHole(pricing.charge(for: usage))
    blackHole(pricing.listPrice(for: usage))
}
let stream = Array((0..<14).map { index in
    #"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4.1","choices":[{"index":0,"delta":{"content":"word \#(index)"},"logprobs":null,"finish_reason":null}]}"# + "\n\n"
}.joined().utf8) + Array(#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4.1","choices":[],"usage":{"prompt_tokens":64,"completion_tokens":14,"total_tokens":78}}"#.utf8) + Array("\n\ndata: [DONE]\n\n".utf8)
measure("stream: relay 14 chunks + usage + [DONE] (per stream)") {
    var relay = ChatStreamRelay(dropUsageChunk: true)
    var relayed = 0
    stream.withUnsafeBytes { bytes in relay.feed(bytes) { relayed += $0.count } }
    blackHole(relayed)
    blackHole(relay.usage)
}
