import AsyncHTTPClient
import Foundation
import HolySheepCore
import Hummingbird
import Logging
import Media
import NIOCore
import NIOPosix
import SQLKit
import ServiceLifecycle

/// The HolySheep platform: storage, in-memory keys, the usage recorder and the HTTP API, run as one service
/// group. SIGTERM (or SIGINT) stops accepting connections, lets requests in flight finish, flushes usage, and
/// returns.
///
/// ```swift
/// let gateway = try await GatewayServer.open(configuration: configuration, logger: logger)
/// try await gateway.run()
/// ```
public final class GatewayServer: Sendable {
    /// How long SIGTERM waits for requests in flight before cancelling them.
    public static let drainTimeout: Duration = .seconds(30)

    public let configuration: GatewayConfiguration
    public let store: SQLStore
    public let keys: KeyDirectory
    public let usage: UsageRecorder
    /// Video jobs: submit, cancel, settle (see ``VideoJobService``).
    public let videoJobs: VideoJobService
    /// Delivers the webhook outbox (video job events).
    public let webhooks: WebhookSender
    public let metrics: GatewayMetrics
    /// Chat calls to providers (see ``UpstreamHTTPClient``).
    let upstream: UpstreamHTTPClient
    /// The webhook sender's client.
    let webhookClient: HTTPClient
    let logger: Logger

    private init(
        configuration: GatewayConfiguration, store: SQLStore, keys: KeyDirectory, usage: UsageRecorder, videoJobs: VideoJobService,
        webhooks: WebhookSender, upstream: UpstreamHTTPClient, webhookClient: HTTPClient, metrics: GatewayMetrics,
        logger: Logger
    ) {
        self.configuration = configuration
        self.metrics = metrics
        self.videoJobs = videoJobs
        self.store = store
        self.keys = keys
        self.usage = usage
        self.webhooks = webhooks
        self.upstream = upstream
        self.webhookClient = webhookClient
        self.logger = logger
    }

    /// Opens storage (running migrations) and loads every key into memory.
    /// - Parameter onJobFinished: runs inside each video job's finish transaction (the webhook outbox's seam); see
    ///   ``VideoJobService/JobFinishedHook``.
    public static func open(
        configuration: GatewayConfiguration, logger: Logger, onJobFinished: @escaping VideoJobService.JobFinishedHook = { _, _, _ in }
    ) async throws -> GatewayServer {
        guard let storageURL = StorageURL(configuration.storage.url) else {
            throw StorageError("`storage.url` must be `sqlite:PATH` or a postgres:// URL")
        }
        let store = try await SQLStore.open(
            storageURL, logger: logger, eventLoopGroup: BackgroundExecutor.storage.loop, threads: BackgroundExecutor.sqliteThreads)
        let keys = KeyDirectory(repository: APIKeyRepository(store: store), logger: logger)
        do {
            try await keys.refresh()
        } catch {
            await store.close()
            throw error
        }
        // Idle read timeout: no byte from an upstream for this long (after its head, or while a JSON answer is being
        // generated) fails the call; it must outlast the longest attempt a model allows.
        let longestAttempt = ([configuration.routing.retry] + configuration.models.compactMap(\.retry)).map(\.attemptTimeout).max() ?? .seconds(300)
        var upstreamConfiguration = UpstreamHTTPClient.Configuration()
        upstreamConfiguration.readTimeout = .nanoseconds(longestAttempt.nanoseconds)
        // The server's event loop group, a pool per loop: no thread hops between the two legs.
        let upstream = UpstreamHTTPClient(group: .singleton, configuration: upstreamConfiguration)
        var webhookConfiguration = HTTPClient.Configuration()
        webhookConfiguration.connectionPool.retryConnectionEstablishment = false
        webhookConfiguration.decompression = .disabled
        webhookConfiguration.redirectConfiguration = .disallow
        webhookConfiguration.tracing.tracer = nil
        let webhookClient = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton), configuration: webhookConfiguration)
        // A call waiting for its lease waits on the usage recorder's sync: it must not yield to the requests then.
        let credits = CreditBook(
            store: store, slice: Money(exactly: configuration.billing.leaseSliceCNY, .cny), logger: logger,
            onWait: { BackgroundExecutor.storage.scheduling.insist() })
        // A finished job with a `callback_url` queues its webhook event in the same transaction: it is sent even if
        // the process dies right after.
        let finished: VideoJobService.JobFinishedHook = { database, job, json in
            if let url = job.callback_url {
                let event = job.status == "completed" ? WebhookOutbox.EventType.completed : WebhookOutbox.EventType.failed
                try await WebhookOutbox.enqueue(database, keyID: job.key_id, url: url, eventType: event, data: json)
            }
            try await onJobFinished(database, job, json)
        }
        let videoJobs = VideoJobService(store: store, credits: credits, configuration: configuration, logger: logger, onJobFinished: finished)
        let metrics = GatewayMetrics()
        return GatewayServer(
            configuration: configuration, store: store, keys: keys, usage: UsageRecorder(store: store, credits: credits, logger: logger, metrics: metrics),
            videoJobs: videoJobs, webhooks: WebhookSender(store: store, httpClient: webhookClient, configuration: configuration.webhooks, logger: logger),
            upstream: upstream, webhookClient: webhookClient, metrics: metrics, logger: logger)
    }

    /// Serves until SIGTERM/SIGINT, then drains and shuts down.
    /// - Parameter onListening: called with the bound address once the server accepts connections.
    public func run(environment: [String: String] = ProcessInfo.processInfo.environment, onListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in }) async throws {
        let services = makeServices(environment: environment, onListening: onListening)
        do {
            var groupConfiguration = ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            // Requests in flight get this long to finish after SIGTERM; then they are cancelled (usage still flushed).
            groupConfiguration.maximumGracefulShutdownDuration = Self.drainTimeout
            groupConfiguration.maximumCancellationDuration = .seconds(5)
            let group = ServiceGroup(configuration: groupConfiguration)
            try await group.run()
        } catch {
            await shutdown()
            throw error
        }
        await shutdown()
    }

    /// The bookkeeping services, then the HTTP server: a service group stops them in reverse order, so the server
    /// drains first and the workers give their jobs back before usage is flushed and storage closes.
    func makeServices(environment: [String: String], onListening: @escaping @Sendable (String, Int) async -> Void) -> [any Service] {
        let modelRouter = ModelRouter(configuration: configuration, environment: environment, metrics: metrics)
        for provider in configuration.providers {
            if let variable = provider.apiKeyEnv, (environment[variable] ?? "").isEmpty {
                logger.notice("provider has no API key; calls to it will answer 503 until it is set", metadata: ["provider": "\(provider.name)", "variable": "\(variable)"])
            }
        }
        let router = Router(context: GatewayRequestContext.self)
        var routes = RouteTable()
        routes.add("/healthz", ["GET"])
        routes.add("/v1/models", ["GET"])
        routes.add("/v1/models/{id}", ["GET"])
        routes.add("/v1/chat/completions", ["POST"])
        routes.add("/v1/messages", ["POST"])
        routes.add("/v1/balance", ["GET"])
        routes.add("/v1/usage", ["GET"])
        routes.add("/v1/credits/redeem", ["POST"])
        routes.add("/v1/video/generate", ["POST"])
        routes.add("/v1/video/generations", ["GET"])
        routes.add("/v1/video/generations/{id}", ["GET"])
        routes.add("/v1/video/generations/{id}/cancel", ["POST"])
        routes.add("/v1/video/generations/{id}/content", ["GET"])
        routes.add("/v1/videos", ["GET", "POST"])
        routes.add("/v1/videos/{id}", ["GET", "DELETE"])
        routes.add("/v1/videos/{id}/content", ["GET"])
        routes.add("/metrics", ["GET"])
        let errors = ErrorResponder(routes: routes, maxBodyBytes: configuration.limits.maxBodyBytes)
        let limiter = RateLimiter(defaultRPM: configuration.limits.defaultRPM, defaultTPM: configuration.limits.defaultTPM)
        let edge = EdgeMiddleware(errors: errors)
        router.add(middleware: edge)
        router.get("healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        router.get("metrics") { [metrics] _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        let auth = AuthMiddleware(keys: keys, limiter: limiter, errors: errors)
        let api = router.group("v1").add(middleware: auth).group(context: AuthenticatedContext.self)
        api.addRoutes(ModelsController(router: modelRouter, configuration: configuration).endpoints)
        let dispatcher = ChatDispatcher(router: modelRouter, upstream: UpstreamClient(client: upstream, logger: logger), logger: logger)
        let chat = ChatService(
            router: modelRouter, dispatcher: dispatcher, usage: usage, metrics: metrics, limiter: limiter, credits: usage.credits,
            maxBodyBytes: configuration.limits.maxBodyBytes,
            accessLog: configuration.logging.accessLog ? Logger(label: "holysheep.access") : nil)
        let chatCompletions = ChatCompletionsController(service: chat)
        let messages = MessagesController(service: chat)
        api.addRoutes(chatCompletions.endpoints)
        api.addRoutes(messages.endpoints)
        let lane = ChatLane(edge: edge, auth: auth, chatCompletions: chatCompletions.handle, messages: messages.handle)
        api.addRoutes(BalanceController(ledger: LedgerRepository(store: store), credits: usage.credits).endpoints)
        api.addRoutes(UsageController(reports: UsageReportRepository(store: store), billing: configuration.billing).endpoints)
        api.addRoutes(RedemptionController(codes: RedemptionCodeRepository(store: store)).endpoints)
        let artifacts = LocalArtifactStore(path: configuration.artifacts.path)
        api.addRoutes(
            VideoController(
                service: videoJobs, router: modelRouter, artifacts: artifacts,
                callbackPolicy: CallbackTargetPolicy(allowPrivateTargets: configuration.webhooks.allowPrivateTargets),
                maxBodyBytes: configuration.limits.maxBodyBytes
            ).endpoints)
        let workers = makeJobWorkers(artifacts: artifacts)

        let responder = router.buildResponder()
        let server = GatewayHTTPChannel(
            responder: { [logger] request, channel in
                let context = GatewayRequestContext(source: .init(channel: channel, logger: logger))
                do {
                    if let handler = lane.handler(for: request) {
                        return try await lane.respond(to: request, context: context, with: handler)
                    }
                    return try await responder.respond(to: request, context: context)
                } catch {
                    // The edge middleware turns every error into an API error; this is what escapes it.
                    logger.error("request failed outside the error responder", metadata: ["error": "\(String(reflecting: error))"])
                    return Response(status: .internalServerError)
                }
            },
            maxBodyBytes: configuration.limits.maxBodyBytes, idleTimeout: .seconds(120)
        ).server(
            configuration: .init(address: .hostname(configuration.server.host, port: configuration.server.port), serverName: nil),
            onServerRunning: { [configuration] channel in
                await onListening(configuration.server.host, channel.localAddress?.port ?? configuration.server.port)
            },
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
        // Bookkeeping runs off the event loops; the usage writer, which runs nothing but storage, yields to them while
        // the host has room (see BackgroundExecutor).
        return [BackgroundService(service: usage, executor: .storage)]
            + ([webhooks, keys, workers] as [any Service]).map { BackgroundService(service: $0) } + [server]
    }

    /// The video workers: previz renders with ffmpeg when it is installed (else previz jobs fail saying so).
    func makeJobWorkers(artifacts: LocalArtifactStore) -> JobWorkers {
        var previz: PrevizVideoProvider?
        var probe: MediaProbe?
        do {
            previz = PrevizVideoProvider(
                renderer: PrevizRenderer(ffmpeg: try FFmpegTool.locate(.ffmpeg), threads: 2), scratch: artifacts.root.appendingPathComponent(".previz"))
            probe = MediaProbe(ffprobe: try FFmpegTool.locate(.ffprobe))
        } catch {
            logger.warning("ffmpeg not found: previz video jobs will fail until it is installed", metadata: ["error": "\(error)"])
        }
        return JobWorkers(
            service: videoJobs, artifacts: artifacts, previz: previz, probe: probe, workers: configuration.video.workers,
            lease: .seconds(configuration.video.leaseSeconds), logger: logger)
    }

    private func shutdown() async {
        await upstream.shutDown()
        try? await webhookClient.shutdown()
        await store.close()
    }
}
