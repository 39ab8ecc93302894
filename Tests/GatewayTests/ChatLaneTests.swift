import HTTPTypes
import Hummingbird
import Testing
@testable import Gateway

/// Which requests ``ChatLane`` answers itself; everything else must reach the router (its 404/405 answers included).
@Suite struct ChatLaneTests {
    @Test func theTwoChatPathsAnsweredWithPostAreTheLanes() {
        #expect(ChatLane.Route(method: .post, path: "/v1/chat/completions") == .chatCompletions)
        #expect(ChatLane.Route(method: .post, path: "/v1/messages") == .messages)
    }

    @Test func anotherMethodOnAChatPathGoesToTheRouterForItsMethodNotAllowedAnswer() {
        for method: HTTPRequest.Method in [.get, .put, .delete, .head, .options, .patch] {
            #expect(ChatLane.Route(method: method, path: "/v1/chat/completions") == nil)
            #expect(ChatLane.Route(method: method, path: "/v1/messages") == nil)
        }
    }

    @Test func anyOtherPathGoesToTheRouter() {
        for path in ["/v1/chat/completions/", "/v1/chat", "/v1/models", "/v1/video/generate", "/V1/chat/completions", "/chat/completions", ""] {
            #expect(ChatLane.Route(method: .post, path: path) == nil, "\(path)")
        }
    }

    @Test func theQueryDoesNotChangeTheRoute() {
        let request = Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/v1/chat/completions?trace=1"), body: RequestBody(buffer: .init()))
        #expect(ChatLane.Route(method: request.method, path: request.uri.path) == .chatCompletions)
    }
}
