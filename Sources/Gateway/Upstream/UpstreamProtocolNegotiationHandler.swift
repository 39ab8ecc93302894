import NIOCore
import NIOTLS

/// Waits on an https connection for the TLS handshake, then hands the protocol the upstream chose (ALPN: `h2`,
/// `http/1.1` or none) to `configure`, which builds the rest of the pipeline before the first byte after the
/// handshake is read; then it leaves the pipeline.
///
/// NIO's own negotiation handlers report a failed handshake as a closed channel; this one keeps the TLS error (an
/// untrusted certificate must say so). Runs on the channel's event loop.
final class UpstreamProtocolNegotiationHandler<Connection: Sendable>: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private var negotiated: EventLoopPromise<Connection>?
    private let configure: (_ protocol: String?, _ channel: any Channel) throws -> EventLoopFuture<Connection>

    init(
        negotiated: EventLoopPromise<Connection>,
        configure: @escaping (_ protocol: String?, _ channel: any Channel) throws -> EventLoopFuture<Connection>
    ) {
        self.negotiated = negotiated
        self.configure = configure
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .handshakeCompleted(let chosen)? = event as? TLSUserEvent, let negotiated else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        self.negotiated = nil
        do {
            try configure(chosen, context.channel).cascade(to: negotiated)
        } catch {
            negotiated.fail(error)
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(UpstreamHTTPError.remoteClosed)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail(UpstreamHTTPError.remoteClosed)  // the channel went away before it was connected
    }

    private func fail(_ error: any Error) {
        guard let negotiated else { return }
        self.negotiated = nil
        negotiated.fail(error)
    }
}
