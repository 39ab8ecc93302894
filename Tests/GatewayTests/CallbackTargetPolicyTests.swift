import HolySheepCore
import Testing
@testable import Gateway

@Suite struct CallbackTargetPolicyTests {
    let strict = CallbackTargetPolicy(allowPrivateTargets: false)
    let lenient = CallbackTargetPolicy(allowPrivateTargets: true)

    func refusal(_ url: String) async -> APIError? {
        do {
            _ = try await strict.check(url)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: ["http://localhost:9000/hook", "http://127.0.0.1/", "http://[::1]/", "https://10.0.0.1/x", "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:127.0.0.1]:8080/", "http://[fe80::1%25eth0]/", "http://0.0.0.0/", "http://100.64.1.1/"])
    func nonPublicTargets_areRefusedNamingHostAddressAndSetting(url: String) async throws {
        let error = try #require(await refusal(url))
        #expect(error.status == 400 && error.code == "callback_target_forbidden" && error.param == "callback_url")
        #expect(error.message.contains("webhooks.allow_private_targets"))
        let target = try await lenient.check(url)
        #expect(error.message.contains(target.host))
        #expect(target.addresses.contains { error.message.contains($0.description) })
    }

    @Test func localhost_isRefusedWithTheAddressItResolvesTo() async throws {
        let error = try #require(await refusal("http://localhost/hook"))
        #expect(error.message.contains("localhost resolves to"))
        #expect(error.message.contains("127.0.0.1") || error.message.contains("::1"))
    }

    @Test func privateTargets_areAllowedWithTheSetting() async throws {
        let target = try await lenient.check("http://10.0.0.1:8080/hooks")
        #expect(target.addresses == [IPAddress("10.0.0.1")!])
        #expect(target.url.port == 8080)
    }

    @Test func publicLiteral_isAcceptedWithoutDNS() async throws {
        let target = try await strict.check("https://93.184.216.34/hooks/video")
        #expect(target.host == "93.184.216.34" && target.addresses == [IPAddress("93.184.216.34")!])
    }

    @Test(arguments: ["ftp://93.184.216.34/x", "file:///etc/passwd", "93.184.216.34/hook", "http:///nohost", "https://user:pw@93.184.216.34/", "not a url"])
    func malformedURLs_areRefusedEvenWithTheSetting(url: String) async throws {
        do {
            _ = try await lenient.check(url)
            Issue.record("\(url) accepted")
        } catch {
            #expect(error.code == "invalid_callback_url" && error.message.contains("http://"))
        }
    }

    @Test func unresolvableHost_saysSo() async throws {
        do {
            _ = try await strict.check("http://no-such-host.invalid/")
            Issue.record("accepted")
        } catch {
            #expect(error.code == "callback_host_unresolvable" && error.message.contains("no-such-host.invalid"))
        }
    }
}
