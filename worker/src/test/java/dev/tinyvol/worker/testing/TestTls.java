package dev.tinyvol.worker.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** A CA of the test's own and a server certificate for 127.0.0.1 it signed (openssl), as a server's SSLContext. */
public record TestTls(SSLContext server, Path caFile) {

    public static TestTls create(Path dir) throws IOException {
        Files.createDirectories(dir);
        String d = dir.toString();
        Mount.run("sh", "-c", "set -e; cd " + d
                + " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=tinyvol-hostile-ca -keyout ca.key -out ca.pem 2>/dev/null"
                + " && openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr 2>/dev/null"
                + " && printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext"
                + " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.pem 2>/dev/null"
                + " && openssl pkcs12 -export -in server.pem -inkey server.key -out server.p12 -passout pass:test 2>/dev/null");
        try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(in, "test".toCharArray());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "test".toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return new TestTls(context, dir.resolve("ca.pem"));
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }
}
