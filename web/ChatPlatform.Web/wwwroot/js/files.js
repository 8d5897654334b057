// The composer's files: the paperclip's file picker, drag and drop onto the chat, pasted images. Each file is sent
// with XMLHttpRequest to this server's POST /api/files (fetch reports no upload progress), which streams it on to the
// gateway. The .NET side (Composer.razor) is told of each file, its progress and its answer; it shows the chips.
// Thumbnails are object URLs of the local file: an image is never fetched back from the server to be shown.
const progressInterval = 100;

export function attach(form, input, dotNet, token) {
    return new Attachments(form, input, dotNet, token);
}

class Attachments {
    constructor(form, input, dotNet, token) {
        this.form = form;
        this.input = input;
        this.dotNet = dotNet;
        this.token = token;
        this.uploads = new Map();
        this.next = 0;
        this.zone = form.closest("main") ?? form;
        this.depth = 0;
        this.listeners = [
            [input, "change", () => { this.add(input.files); input.value = ""; }],
            [form, "paste", event => this.onPaste(event)],
            [this.zone, "dragenter", event => this.onDragEnter(event)],
            [this.zone, "dragover", event => this.onDragOver(event)],
            [this.zone, "dragleave", () => this.onDragLeave()],
            [this.zone, "drop", event => this.onDrop(event)],
        ];
        for (const [target, name, listener] of this.listeners) {
            target.addEventListener(name, listener);
        }
    }

    pick() {
        this.input.click();
    }

    add(files) {
        for (const file of files ?? []) {
            this.upload(file);
        }
    }

    onPaste(event) {
        const images = [...(event.clipboardData?.files ?? [])].filter(file => file.type.startsWith("image/"));
        if (images.length === 0) {
            return;
        }
        // A screenshot pasted has no text with it; pasted text with an image beside it goes into the message too.
        if (!event.clipboardData.types.includes("text/plain")) {
            event.preventDefault();
        }
        this.add(images);
    }

    static hasFiles(event) {
        return [...(event.dataTransfer?.types ?? [])].includes("Files");
    }

    onDragEnter(event) {
        if (Attachments.hasFiles(event)) {
            this.depth++;
            this.zone.classList.add("drop-target");
        }
    }

    onDragOver(event) {
        if (Attachments.hasFiles(event)) {
            event.preventDefault();
            event.dataTransfer.dropEffect = "copy";
        }
    }

    // dragleave fires for every child crossed: the highlight goes when the pointer leaves the zone itself.
    onDragLeave() {
        this.depth = Math.max(0, this.depth - 1);
        if (this.depth === 0) {
            this.zone.classList.remove("drop-target");
        }
    }

    onDrop(event) {
        if (!Attachments.hasFiles(event)) {
            return;
        }
        event.preventDefault();
        this.depth = 0;
        this.zone.classList.remove("drop-target");
        this.add(event.dataTransfer.files);
    }

    async upload(file) {
        const id = `f${++this.next}`;
        const thumbnail = file.type.startsWith("image/") ? URL.createObjectURL(file) : null;
        const xhr = new XMLHttpRequest();
        this.uploads.set(id, { xhr, thumbnail });
        try {
            await this.dotNet.invokeMethodAsync("OnFileAdded", id, file.name, file.size, thumbnail);
        } catch {
            return; // The circuit has gone.
        }
        let last = 0;
        xhr.upload.addEventListener("progress", event => {
            const now = performance.now();
            if (event.lengthComputable && now - last >= progressInterval) {
                last = now;
                this.tell("OnUploadProgress", id, event.loaded);
            }
        });
        xhr.addEventListener("load", () => {
            this.uploads.get(id) && (this.uploads.get(id).xhr = null);
            if (xhr.status >= 200 && xhr.status < 300) {
                this.tell("OnUploaded", id, xhr.responseText);
            } else {
                this.tell("OnUploadFailed", id, xhr.status, problemDetail(xhr));
            }
        });
        xhr.addEventListener("error", () => this.tell("OnUploadFailed", id, 0, "The upload was interrupted. Check your connection and try again."));
        // The composer's files belong to their conversations: deleting the last one that attaches a file deletes it.
        xhr.open("POST", "api/files?origin=chat");
        xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
        xhr.setRequestHeader("RequestVerificationToken", this.token);
        // The bytes as they are; the server finds the type from them, never from a name or a header.
        xhr.setRequestHeader("Content-Type", "application/octet-stream");
        xhr.send(file);
    }

    tell(method, ...args) {
        this.dotNet.invokeMethodAsync(method, ...args).catch(() => { });
    }

    // A chip removed: its upload stops and its thumbnail is released.
    remove(id) {
        const upload = this.uploads.get(id);
        if (upload) {
            this.uploads.delete(id);
            upload.xhr?.abort();
            if (upload.thumbnail) {
                URL.revokeObjectURL(upload.thumbnail);
            }
        }
    }

    dispose() {
        for (const id of [...this.uploads.keys()]) {
            this.remove(id);
        }
        for (const [target, name, listener] of this.listeners) {
            target.removeEventListener(name, listener);
        }
        this.zone.classList.remove("drop-target");
    }
}

function problemDetail(xhr) {
    try {
        const problem = JSON.parse(xhr.responseText);
        if (typeof problem.detail === "string" && problem.detail) {
            return problem.detail;
        }
    } catch {
        // Not problem details: the status says enough.
    }
    return xhr.status === 413 ? "The file is too large." : `The upload failed (${xhr.status}).`;
}
