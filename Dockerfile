# The image that runs the controller (`wf controller`) and the executor (`wf-exec`)
# in Kubernetes mode. Embedded mode needs no image.
FROM python:3.12-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends busybox git \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/wf
COPY pyproject.toml README.md ./
COPY workflow_engine ./workflow_engine
COPY executor ./executor
COPY cli ./cli
RUN pip install --no-cache-dir .
ENTRYPOINT ["wf"]
CMD ["controller"]
