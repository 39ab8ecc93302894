import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Synchronization

/// Hummingbird's HTTP/1.1 channel, plus one thing a proxy needs: when the client goes away (closes or resets its
/// connection), the connection's task is cancelled, which cancels the upstream call in flight at once (no
/// orphaned upstream requests, no paying for tokens nobody reads).
struct GatewayHTTP1Channel: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let inner: HTTP1Channel.Value
        let watcher: ClientCloseWatcher
        var channel: any Channel { inner.channel }
    }

    let inner: HTTP1Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let watcher = ClientCloseWatcher()
        do {
            try channel.pipeline.syncOperations.addHandler(ClientCloseHandler(watcher: watcher), position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger).map { Value(inner: $0, watcher: watcher) }
    }

    func handle(value: Value, logger: Logger) async {
        // One task per connection, awaited here, so the watcher can cancel it.
        let connection = Task { await inner.handle(value: value.inner, logger: logger) }
        value.watcher.onClose { connection.cancel() }
        await withTaskCancellationHandler {
            await connection.value
        } onCancel: {
            connection.cancel()
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with client-disconnect cancellation (see ``GatewayHTTP1Channel``).
    static func gatewayHTTP1(configuration: HTTP1Channel.Configuration = .init()) -> HTTPServerBuilder {
        .init { responder in
            GatewayHTTP1Channel(inner: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }
}

/// Remembers whether the client has gone and runs the registered action when it goes.
final class ClientCloseWatcher: Sendable {
    private struct State {
        var closed = false
        var action: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func onClose(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.closed { return true }
            state.action = action
            return false
        }
        if runNow { action() }
    }

    func clientClosed() {
        let action = state.withLock { state -> (@Sendable () -> Void)? in
            guard !state.closed else { return nil }
            state.closed = true
            defer { state.action = nil }
            return state.action
        }
        action?()
    }
}

/// Sees the client's end of input (FIN, with half-closure enabled) and the connection's end (RST, close).
final class ClientCloseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let watcher: ClientCloseWatcher

    init(watcher: ClientCloseWatcher) {
        self.watcher = watcher
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            watcher.clientClosed()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        watcher.clientClosed()
        context.fireChannelInactive()
    }
}
