FROM busybox
COPY api/ /srv/
