# Code Scalpel in a container: the MCP server over a read-only /workspace mount.
#   docker build -t code-scalpel .
#   docker run --rm -i -v "$PWD:/workspace:ro" code-scalpel                       # stdio
#   docker run --rm -p 127.0.0.1:8080:8080 -v "$PWD:/workspace:ro" code-scalpel \
#       --transport streamable-http --host 0.0.0.0 --allow-lan                     # HTTP (publish on loopback only)

# The wheels are built where a C compiler is, so that setup.py compiles the project analysis with mypyc;
# the image itself carries no compiler.
FROM python:3.13-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.13-slim
RUN useradd --create-home --uid 10001 scalpel
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index /wheels/*.whl && rm -rf /wheels /root/.cache \
    && python -c "import code_scalpel.project as p; assert p.COMPILED, 'the analysis was not compiled'"
USER scalpel
ENV CODE_SCALPEL_HOME=/home/scalpel/.code-scalpel
WORKDIR /workspace
EXPOSE 8080
ENTRYPOINT ["codescalpel", "mcp", "--root", "/workspace"]
