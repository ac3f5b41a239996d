package io.textintel.services;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away certificate authority and one server certificate it signed for {@code 127.0.0.1}
 * and {@code localhost}, made with the JDK's {@code keytool}, in the forms servers and clients
 * want: PEM files (Elasticsearch, and the CA for clients) and a PKCS#12 key store (Kafka).
 *
 * @param caCertificate the CA certificate, PEM
 * @param nodeCertificate the server certificate followed by the CA certificate (its chain), PEM
 * @param nodeKey the server's private key, unencrypted PKCS#8 PEM
 * @param nodeKeyStore the server key, its certificate and the CA, PKCS#12, protected by {@code keyStorePassword}
 * @param keyStorePassword the password of {@code nodeKeyStore} and of the key in it
 * @param caFingerprint the SHA-256 fingerprint of the CA certificate, 64 lower-case hex digits
 */
public record LocalCertificates(Path caCertificate, Path nodeCertificate, Path nodeKey, Path nodeKeyStore,
        String keyStorePassword, String caFingerprint) {

    private static final Duration KEYTOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final String VALIDITY_DAYS = "30";

    /** Generates a CA and a server certificate in {@code dir} (created if missing). */
    public static LocalCertificates generate(Path dir) throws IOException {
        Files.createDirectories(dir);
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Path caStore = dir.resolve("ca.p12");
        Path nodeStore = dir.resolve("node.p12");
        Path caPem = dir.resolve("ca.crt");
        Path csr = dir.resolve("node.csr");
        Path nodePem = dir.resolve("node.crt");
        Path keyPem = dir.resolve("node.key");

        keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=textintel local CA", "-ext", "bc:c", "-validity", VALIDITY_DAYS,
                "-keystore", caStore.toString(), "-storetype", "PKCS12", "-storepass", password);
        keytool(dir, "-exportcert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(),
                "-storepass", password, "-file", caPem.toString());
        keytool(dir, "-genkeypair", "-alias", "node", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=127.0.0.1", "-validity", VALIDITY_DAYS,
                "-keystore", nodeStore.toString(), "-storetype", "PKCS12", "-storepass", password);
        keytool(dir, "-certreq", "-alias", "node", "-keystore", nodeStore.toString(), "-storepass", password,
                "-file", csr.toString());
        keytool(dir, "-gencert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(), "-storepass", password,
                "-infile", csr.toString(), "-outfile", nodePem.toString(), "-validity", VALIDITY_DAYS,
                "-ext", "san=ip:127.0.0.1,dns:localhost",
                "-ext", "ku:c=digitalSignature,keyEncipherment",
                "-ext", "eku=serverAuth,clientAuth");
        keytool(dir, "-importcert", "-noprompt", "-alias", "ca", "-keystore", nodeStore.toString(),
                "-storepass", password, "-file", caPem.toString());
        keytool(dir, "-importcert", "-noprompt", "-alias", "node", "-keystore", nodeStore.toString(),
                "-storepass", password, "-file", nodePem.toString());
        Files.delete(csr);
        Files.delete(caStore);
        // Servers present the whole chain, as Elasticsearch's own set-up does, so clients can pin the CA by fingerprint.
        Files.writeString(nodePem, Files.readString(nodePem, StandardCharsets.US_ASCII).strip() + "\n"
                + Files.readString(caPem, StandardCharsets.US_ASCII), StandardCharsets.US_ASCII);

        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(nodeStore)) {
                store.load(in, password.toCharArray());
            }
            PrivateKey key = (PrivateKey) store.getKey("node", password.toCharArray());
            Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
            X509Certificate ca = readCertificates(caPem).get(0);
            String fingerprint = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(ca.getEncoded()));
            return new LocalCertificates(caPem, nodePem, keyPem, nodeStore, password, fingerprint);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the key store " + nodeStore + " keytool wrote", e);
        }
    }

    /** An SSL context that trusts exactly this CA, for clients of the local servers. */
    public SSLContext sslContext() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", readCertificates(caCertificate).get(0));
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build an SSL context trusting " + caCertificate, e);
        }
    }

    private static List<X509Certificate> readCertificates(Path pem) throws IOException {
        try (InputStream in = Files.newInputStream(pem)) {
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certificates.add((X509Certificate) certificate);
            }
            if (certificates.isEmpty()) {
                throw new IOException(pem + " holds no certificate");
            }
            return certificates;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read certificates from " + pem, e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void keytool(Path dir, String... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ChildProcess.javaHome().resolve("bin").resolve("keytool").toString());
        command.addAll(List.of(arguments));
        ChildProcess.Completed result = ChildProcess.run(command, dir, KEYTOOL_TIMEOUT);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(String.format("keytool %s failed with exit code %d, expected 0; output:%n%s",
                    arguments[0], result.exitCode(), result.output()));
        }
    }

    @Override
    public String toString() {
        return "LocalCertificates[" + caCertificate.getParent() + ", CA SHA-256 " + caFingerprint + "]";
    }
}
