# Code Scalpel in a container: the MCP server over a read-only /workspace mount.
#   docker build -t code-scalpel .
#   docker run --rm -i -v "$PWD:/workspace:ro" code-scalpel                       # stdio
#   docker run --rm -p 127.0.0.1:8080:8080 -v "$PWD:/workspace:ro" code-scalpel \
#       --transport streamable-http --host 0.0.0.0 --allow-lan                     # HTTP (publish on loopback only)
FROM python:3.13-slim
RUN useradd --create-home --uid 10001 scalpel
WORKDIR /opt/code-scalpel
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir . && rm -rf /root/.cache
USER scalpel
ENV CODE_SCALPEL_HOME=/home/scalpel/.code-scalpel
WORKDIR /workspace
EXPOSE 8080
ENTRYPOINT ["codescalpel", "mcp", "--root", "/workspace"]
